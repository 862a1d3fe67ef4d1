// The behaviours suite: gen_server calls and casts, supervisor restarts and idle gen_server memory on
// otp-ts and on Erlang/OTP (+S 1), side by side in one run; writes the behaviours section of bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureErlang } from '../erlang.mjs';
import { writeSection } from '../results.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = join(root, 'bench', '.work');
const REPS = 3;
// Workloads measured once per process (they report memory, or the first, cold run is the figure): no warm-up.
const ONCE = ['idle_server', 'called_server', 'hibernated_server', 'start_bare', 'start_warm', 'call_alloc', 'start_alloc'];

const WORKLOADS = [
  { id: 'call_seq', title: 'gen_server call, 1 client × 1M sequential', unit: 'calls/s', target: 'otp-ts/BEAM ≥ 2×' },
  { id: 'call_huge_queue', title: 'gen_server call from a client with 200k messages waiting (collected into the old generation first), 2k sequential (gen_server_SUITE call_with_huge_message_queue)', unit: 'calls/s' },
  { id: 'send_request', title: 'gen_server sendRequest/waitResponse, 100 in flight, 200k', unit: 'requests/s' },
  { id: 'call_100', title: 'gen_server call, 100 clients × 10k', unit: 'calls/s', target: 'otp-ts/BEAM ≥ 2×' },
  { id: 'cast', title: 'gen_server cast, 1M', unit: 'casts/s', target: 'otp-ts/BEAM ≥ 1×' },
  { id: 'restart', title: 'supervisor restart of a killed child, 10k', unit: 'restarts/s', target: 'otp-ts/BEAM ≥ 1×' },
  { id: 'idle_server', title: 'start 10k idle gen_servers', unit: 'starts/s' },
  { id: 'start_warm', title: 'start 10k idle gen_servers after two batches of 10k were started and stopped in the same runtime', unit: 'starts/s' },
  { id: 'called_server', title: '10k gen_servers × 3 calls, no hibernate', unit: 'servers/s' },
  { id: 'hibernated_server', title: '10k gen_servers × 3 calls, replies hibernate', unit: 'servers/s' },
  { id: 'send_object', title: 'send a small nested object, 1M (isolation off)', unit: 'msgs/s' },
  { id: 'send_object_isolated', title: 'send a small nested object, 1M (isolation on: dev/test)', unit: 'msgs/s' },
  // The physical limits of this design under two workloads (issue 20): otp-ts only, set against BEAM's figure
  // for the workload they bound (`limitOf`), so the ratio says how far that workload can go here.
  { id: 'cast_bare', title: 'limit of cast: a plain send of the same string, 1M to a process draining its mailbox', unit: 'msgs/s', limitOf: 'cast' },
  { id: 'start_bare', title: 'limit of start: spawn 10k idle processes, each acknowledging with one message', unit: 'starts/s', limitOf: 'idle_server' },
];
// What one operation allocates, garbage included (otp-ts only: the BEAM's heap is per process and not comparable),
// one sampled run each after a warm-up in the same runtime, beside the before build when there is one.
const ALLOCATIONS = [
  { id: 'call_alloc', title: 'allocated per gen_server call, garbage included (bytes; 100k calls)' },
  { id: 'start_alloc', title: 'allocated per gen_server start, garbage included (bytes; 10k starts)' },
];

// BENCH_BEFORE: another build of the runtime (a path to its entry, e.g. a bundle of an earlier commit), run beside
// the current one on every workload, so a change's effect is shown side by side in one run; BENCH_BEFORE_LABEL says
// what it is in RESULTS.md.
const before = process.env.BENCH_BEFORE;
// BENCH_RUNTIME: run this build instead of the workspace's (no build first), e.g. a bundle of a given commit while
// others rebuild the workspace; BENCH_RUNTIME_LABEL says what it is in RESULTS.md.
const current = process.env.BENCH_RUNTIME;

// One otp.mjs process: a warm-up and the best of 2 runs (one cold run for the ONCE workloads).
function runOtp(workload, runtime) {
  const env = runtime === undefined ? process.env : { ...process.env, OTP_RUNTIME: runtime };
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, 'otp.mjs'), workload, ONCE.includes(workload) ? '1' : '2'], { cwd: root, encoding: 'utf8', timeout: 600_000, env });
  if (r.status !== 0) throw new Error(`otp.mjs ${workload} failed: ${r.stderr || r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// One erl process, one run.
function runBeam(workload) {
  const r = spawnSync('erl', ['+S', '1', '-noshell', '-pa', work, '-run', 'bench_behaviours', 'main', workload], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`erl ${workload} failed: ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// The best of a workload's runs, by rate (a memory figure comes with its run).
function best(runs) {
  if (runs.length === 0) return undefined;
  const sorted = [...runs].sort((a, b) => b.rate - a.rate);
  return { ...sorted[0], median_rate: sorted[Math.floor(sorted.length / 2)].rate, runs: runs.length };
}

const fmt = (v) => (v === undefined ? '–' : v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(0));
const ratio = (a, b) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}×`);

/** Runs the suite and writes its section of bench/RESULTS.md. */
export async function run() {
  if (current === undefined) {
    console.log('behaviours bench: building otp-ts…');
    spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
  }
  const otp = ensureErlang();
  if (otp) {
    mkdirSync(work, { recursive: true });
    const c = spawnSync('erlc', ['-o', work, join(here, 'bench_behaviours.erl'), join(here, 'bench_sup.erl')], { encoding: 'utf8' });
    if (c.status !== 0) throw new Error(`erlc failed: ${c.stderr}`);
  }
  const results = {};
  const loadBefore = loadavg();
  // Rounds interleave the implementations (otp-ts, before, BEAM, then again), so a machine whose load drifts
  // loads them alike; each keeps its best round.
  for (const w of WORKLOADS) {
    const runs = { otp: [], before: [], beam: [] };
    for (let round = 1; round <= REPS; round++) {
      process.stdout.write(`  ${w.title}, round ${round}: otp-ts… `);
      runs.otp.push(runOtp(w.id, current));
      process.stdout.write(`${fmt(runs.otp.at(-1).rate)}`);
      if (before !== undefined) {
        runs.before.push(runOtp(w.id, before));
        process.stdout.write(`, before… ${fmt(runs.before.at(-1).rate)}`);
      }
      if (otp && w.limitOf === undefined) {
        runs.beam.push(runBeam(w.id));
        process.stdout.write(`, beam… ${fmt(runs.beam.at(-1).rate)}`);
      }
      console.log(` ${w.unit}`);
    }
    results[w.id] = { otp: best(runs.otp), before: best(runs.before), beam: w.limitOf !== undefined ? results[w.limitOf].beam : best(runs.beam) };
  }
  for (const a of ALLOCATIONS) {
    process.stdout.write(`  ${a.title}: otp-ts… `);
    results[a.id] = { otp: runOtp(a.id, current) };
    process.stdout.write(`${Math.round(results[a.id].otp.bytes_per_op)}`);
    if (before !== undefined) {
      results[a.id].before = runOtp(a.id, before);
      process.stdout.write(`, before… ${Math.round(results[a.id].before.bytes_per_op)}`);
    }
    console.log(' bytes');
  }
  const load = (l) => l.map((x) => x.toFixed(1)).join(' ');
  const loadAfter = loadavg();
  const idle = results.idle_server;
  // With a before build: its figure and ratio beside the current ones.
  const side = (r, value, ratioOf) => (before === undefined ? '' : ` ${value(r.before)} | ${ratioOf(r.before)} |`);
  const bytes = (r) => (r === undefined ? '–' : String(Math.round(r.bytes_per_process)));
  const head = before === undefined ? '' : ' otp-ts before | before / BEAM |';
  const lines = [
    '## behaviours',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}, Erlang/OTP ${otp ?? 'not available'} with \`+S 1\`; load average ${load(loadBefore)} at the start, ${load(loadAfter)} at the end.`,
    'Command: `npm run bench -- behaviours`. Three rounds that interleave the implementations, each in its own OS processes, all in one run; a figure is the best round (an otp-ts round: a warm-up then the best of 2 runs; a BEAM round: one run; the start and memory workloads: one cold run per round on both). Supervisor reports are silenced on both sides so the restart figure measures restarting, not logging.',
    ...(current === undefined ? [] : ['', `otp-ts is ${process.env.BENCH_RUNTIME_LABEL ?? 'a given build of the runtime'} (BENCH_RUNTIME).`]),
    ...(before === undefined ? [] : ['', `"before" is ${process.env.BENCH_BEFORE_LABEL ?? 'an earlier build of the runtime'} (BENCH_BEFORE), run beside the current one on every workload.`]),
    'The two "limit" rows are the bare hand-offs under cast and start (otp-ts only, set against BEAM\'s cast and start): the most this design can reach on those workloads.',
    '',
    `| workload | otp-ts | BEAM +S 1 | otp-ts / BEAM |${head} target |`,
    `| --- | ---: | ---: | ---: |${before === undefined ? '' : ' ---: | ---: |'} --- |`,
    ...WORKLOADS.map((w) => {
      const r = results[w.id];
      return `| ${w.title} (${w.unit}) | ${fmt(r.otp.rate)} | ${fmt(r.beam?.rate)} | ${ratio(r.otp.rate, r.beam?.rate)} |${side(r, (x) => fmt(x?.rate), (x) => ratio(x?.rate, r.beam?.rate))} ${w.target ?? ''} |`;
    }),
    `| memory per idle gen_server (bytes) | ${bytes(idle.otp)} | ${bytes(idle.beam)} | ${ratio(idle.otp.bytes_per_process, idle.beam?.bytes_per_process)} |${side(idle, bytes, (x) => ratio(x?.bytes_per_process, idle.beam?.bytes_per_process))} ≤ 1.2 KB |`,
    ...['called_server', 'hibernated_server'].map((id) => {
      const r = results[id];
      return `| memory per gen_server after 3 calls, ${id === 'hibernated_server' ? 'hibernated' : 'not hibernated'} (bytes) | ${bytes(r.otp)} | ${bytes(r.beam)} | ${ratio(r.otp.bytes_per_process, r.beam?.bytes_per_process)} |${side(r, bytes, (x) => ratio(x?.bytes_per_process, r.beam?.bytes_per_process))} |`;
    }),
    ...ALLOCATIONS.map((a) => {
      const r = results[a.id];
      const perOp = (x) => (x === undefined ? '–' : String(Math.round(x.bytes_per_op)));
      const where = r.otp.top.map((t) => `${t.fn} ${t.bytes_per_op}`).join(', ');
      return `| ${a.title}; most by: ${where} | ${perOp(r.otp)} | | |${before === undefined ? '' : ` ${perOp(r.before)} | |`} |`;
    }),
    `| message isolation cost: send_object isolated / not | ${ratio(results.send_object_isolated.otp.rate, results.send_object.otp.rate)} | | |${before === undefined ? '' : ` ${ratio(results.send_object_isolated.before?.rate, results.send_object.before?.rate)} | |`} |`,
  ];
  // What the summary at the top of RESULTS.md shows of this suite: the ratios with a goal (bench/README.md).
  const rate = (id) => results[id].otp.rate / results[id].beam?.rate;
  const ratios = [
    // The limits (the bare hand-offs under cast and start) against the same BEAM runs.
    { measure: 'gen_server cast, 1M: otp-ts / BEAM', value: rate('cast'), goal: '>= 1', source: 'issue 20', limit: results.cast_bare.otp.rate / results.cast.beam?.rate },
    { measure: 'start 10k idle gen_servers: otp-ts / BEAM', value: rate('idle_server'), goal: '>= 1', source: 'issue 20', limit: results.start_bare.otp.rate / results.idle_server.beam?.rate },
    { measure: 'gen_server call, 1 client × 1M: otp-ts / BEAM', value: rate('call_seq'), goal: '>= 2', source: 'Targets' },
    { measure: 'gen_server call, 100 clients × 10k: otp-ts / BEAM', value: rate('call_100'), goal: '>= 2', source: 'Targets' },
    { measure: 'supervisor restart of a killed child: otp-ts / BEAM', value: rate('restart'), goal: '>= 1', source: 'Targets' },
    { measure: 'memory per idle gen_server', value: Math.round(idle.otp.bytes_per_process), unit: ' B', goal: '<= 1229', source: 'Targets' },
  ]
    .filter((r) => Number.isFinite(r.value))
    .map((r) => (r.limit === undefined || Number.isFinite(r.limit) ? r : { ...r, limit: undefined }));
  console.log(`behaviours bench: wrote ${writeSection('behaviours', lines.join('\n'), ratios)}`);
}
