// The runtime suite: each workload on otp-ts, Erlang/OTP (+S 1), a bare promise hand-off and nact,
// each run in a fresh OS process, side by side in one run; writes the runtime section of bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureErlang } from '../erlang.mjs';
import { writeSection } from '../results.mjs';
import { runTables } from './tables.mjs';
import { buildSync } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = join(root, 'bench', '.work');

const WORKLOADS = [
  { id: 'spawn_100k', title: 'spawn 100k idle processes', unit: 'spawns/s', impls: ['otp', 'beam', 'bare', 'nact'] },
  { id: 'spawn_1m', title: 'spawn 1M idle processes', unit: 'spawns/s', impls: ['otp', 'beam', 'bare'] },
  { id: 'pingpong', title: 'ping-pong (1M round trips)', unit: 'round trips/s', impls: ['otp', 'beam', 'bare', 'nact'], target: true },
  { id: 'fanin', title: 'fan-in (100 senders × 10k messages)', unit: 'msgs/s', impls: ['otp', 'beam', 'bare', 'nact'], target: true },
  { id: 'ring', title: 'ring (10k processes × 100 laps)', unit: 'hops/s', impls: ['otp', 'beam', 'bare', 'nact'], target: true },
  { id: 'selective', title: 'selective receive past a 10k backlog', unit: 'receives/s', impls: ['otp', 'beam'] },
];
const REPS = 5;

function runNode(script, workload, env = process.env) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', join(here, script), workload, String(REPS)], {
    cwd: root,
    encoding: 'utf8',
    timeout: 600_000,
    env,
  });
  if (r.status !== 0) throw new Error(`${script} ${workload} failed: ${r.stderr || r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function runBeam(workload) {
  // One fresh VM per repetition, as for Node; the best and the median are kept.
  const reps = workload.startsWith('spawn') ? 1 : REPS;
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const r = spawnSync('erl', ['+S', '1', '+P', '2000000', '-noshell', '-pa', work, '-run', 'bench_runtime', 'main', workload], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`erl ${workload} failed: ${r.stderr || r.stdout}`);
    runs.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  runs.sort((a, b) => b.rate - a.rate);
  return { ...runs[0], median_rate: runs[Math.floor(runs.length / 2)].rate, reps };
}

const fmt = (v) => (v === undefined ? '–' : v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(0)} k` : v.toFixed(0));
const ratio = (a, b) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}×`);
const bytes = (v) => (v === undefined ? '–' : `${Math.round(v)} B`);

// `--before=REV`: the runtime of git revision REV, bundled from its sources, runs every otp-ts workload too, in a
// column beside the runtime now (before/after in one run, under the same load).
function bundleBefore(rev) {
  const dir = join(work, `runtime-before-${rev}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = spawnSync('sh', ['-c', `git archive ${JSON.stringify(rev)} packages/runtime | tar -x -C ${JSON.stringify(dir)}`], { cwd: root, encoding: 'utf8' });
  if (archive.status !== 0) throw new Error(`runtime bench: cannot read revision ${rev}: ${archive.stderr}`);
  const out = join(dir, 'runtime.mjs');
  buildSync({ entryPoints: [join(dir, 'packages', 'runtime', 'src', 'index.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'error' });
  return out;
}

// The ratios the summary at the top of bench/RESULTS.md shows, with the goals of the runtime's Targets line and issue 20.
function summaryRatios(results) {
  const r = (id, impl, key = 'rate') => results[id]?.[impl]?.[key];
  const out = [];
  const add = (measure, value, goal, source, unit, limit) => {
    if (value !== undefined && Number.isFinite(value)) out.push({ measure, value, goal, source, ...(unit ? { unit } : {}), ...(Number.isFinite(limit) ? { limit } : {}) });
  };
  for (const [id, name] of [['spawn_100k', 'spawn 100k'], ['spawn_1m', 'spawn 1M']]) add(`${name}: otp-ts / BEAM`, r(id, 'otp') / r(id, 'beam'), '>= 2', 'Targets');
  for (const [id, name] of [['pingpong', 'ping-pong'], ['fanin', 'fan-in'], ['ring', 'ring']]) {
    // The limit: the bare hand-off's rate against the same BEAM run.
    add(`${name}: otp-ts / BEAM`, r(id, 'otp') / r(id, 'beam'), '>= 2', 'Targets', undefined, r(id, 'bare') / r(id, 'beam'));
    add(`${name}: otp-ts / bare hand-off, CPU time`, r(id, 'otp', 'cpu_rate') / r(id, 'bare', 'cpu_rate'), id === 'ring' ? '>= 0.75' : '>= 0.5', id === 'ring' ? 'issue 20' : 'Targets');
  }
  for (const [id, name] of [['spawn_100k', '100k'], ['spawn_1m', '1M']]) {
    add(`bytes per idle process, ${name}`, r(id, 'otp', 'bytes_per_process'), '<= 1024', 'Targets', ' B');
    add(`bytes per idle process, ${name}: otp-ts / BEAM`, r(id, 'otp', 'bytes_per_process') / r(id, 'beam', 'bytes_per_process'), '<= 0.4', 'Targets');
  }
  return out;
}

/** Runs the suite and writes its section of bench/RESULTS.md. */
export async function run(flags = []) {
  const beforeRev = flags.find((f) => f.startsWith('--before='))?.slice('--before='.length);
  const before = beforeRev ? bundleBefore(beforeRev) : undefined;
  // BENCH_RUNTIME: run this build of the runtime as otp-ts instead of the workspace's (no build first), e.g. a
  // bundle of a given commit while others rebuild the workspace; BENCH_RUNTIME_LABEL says what it is.
  const current = process.env.BENCH_RUNTIME;
  if (current === undefined) {
    console.log('runtime bench: building otp-ts…');
    spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
  }
  const otp = ensureErlang();
  if (otp) {
    mkdirSync(work, { recursive: true });
    const c = spawnSync('erlc', ['-o', work, join(here, 'bench_runtime.erl')], { encoding: 'utf8' });
    if (c.status !== 0) throw new Error(`erlc failed: ${c.stderr}`);
  }
  const results = {};
  for (const w of WORKLOADS) {
    results[w.id] = {};
    for (const impl of before ? ['before', ...w.impls] : w.impls) {
      if (impl === 'beam' && !otp) continue;
      process.stdout.write(`  ${w.title} — ${impl}… `);
      const r =
        impl === 'beam'
          ? runBeam(w.id)
          : impl === 'before'
            ? runNode('otp.mjs', w.id, { ...process.env, OTP_RUNTIME: before })
            : runNode({ otp: 'otp.mjs', bare: 'bare.mjs', nact: 'nact.mjs' }[impl], w.id, impl === 'otp' && current !== undefined ? { ...process.env, OTP_RUNTIME: current } : process.env);
      results[w.id][impl] = r;
      console.log(`${fmt(r.rate)} ${w.unit}${r.bytes_per_process !== undefined ? `, ${bytes(r.bytes_per_process)}/process` : ''}`);
    }
  }
  process.stdout.write('  ring yielding to the event loop as the scheduler does (bare)… ');
  const ringYield = runNode('bare.mjs', 'ring_yield');
  console.log(`${fmt(ringYield.rate)} hops/s`);
  process.stdout.write('  ping-pong with AsyncLocalStorage active (bare)… ');
  const als = runNode('bare.mjs', 'pingpong_als');
  console.log(`${fmt(als.rate)} round trips/s`);

  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    '## runtime',
    '',
    `Measured ${date} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}, Erlang/OTP ${otp ?? 'not available'} with \`+S 1\` (one scheduler: a node is one thread).`,
    `Command: \`npm run bench -- runtime${beforeRev ? ` --before=${beforeRev}` : ''}\`. Load average (1, 5, 15 min) at the end of the run: ${loadavg().map((l) => l.toFixed(1)).join(', ')}. Each cell is the best of 5 runs after a warm-up (spawn: one run on a fresh heap), every implementation in its own OS process, all in one run. The machine is shared and noisy: compare ratios within this table, not with other runs.`,
    ...(current === undefined ? [] : ['', `otp-ts is ${process.env.BENCH_RUNTIME_LABEL ?? 'a given build of the runtime'} (BENCH_RUNTIME).`]),
    '',
    '| workload | otp-ts | BEAM +S 1 | otp-ts / BEAM | bare promise hand-off | otp-ts / bare | nact |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  if (before) {
    lines.splice(-2, 2, '| workload | otp-ts | BEAM +S 1 | otp-ts / BEAM | bare promise hand-off | otp-ts / bare | nact | otp-ts before (' + beforeRev + ') | now / before |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  }
  for (const w of WORKLOADS) {
    const r = results[w.id];
    const beside = before ? ` ${fmt(r.before?.rate)} | ${ratio(r.otp?.rate, r.before?.rate)} |` : '';
    lines.push(`| ${w.title} (${w.unit}) | ${fmt(r.otp?.rate)} | ${fmt(r.beam?.rate)} | ${ratio(r.otp?.rate, r.beam?.rate)} | ${fmt(r.bare?.rate)} | ${ratio(r.otp?.rate, r.bare?.rate)} | ${fmt(r.nact?.rate)} |${beside}`);
  }
  lines.push(
    '',
    'The same runs per second of CPU time (user and system, over each run, set-up and GC threads included; best of 5), which a loaded machine disturbs far less than wall time:',
    '',
    `| workload | otp-ts | bare promise hand-off | otp-ts / bare |${before ? ` otp-ts before (${beforeRev}) | now / before |` : ''}`,
    `| --- | ---: | ---: | ---: |${before ? ' ---: | ---: |' : ''}`,
  );
  for (const w of WORKLOADS.filter((x) => x.impls.includes('bare'))) {
    const r = results[w.id];
    const beside = before ? ` ${fmt(r.before?.cpu_rate)} | ${ratio(r.otp?.cpu_rate, r.before?.cpu_rate)} |` : '';
    lines.push(`| ${w.title} (${w.unit} of CPU) | ${fmt(r.otp?.cpu_rate)} | ${fmt(r.bare?.cpu_rate)} | ${ratio(r.otp?.cpu_rate, r.bare?.cpu_rate)} |${beside}`);
  }
  lines.push('', '| memory and teardown | otp-ts | BEAM +S 1 | otp-ts / BEAM | bare async loop | nact |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const id of ['spawn_100k', 'spawn_1m']) {
    const r = results[id];
    lines.push(`| bytes per idle process, ${id === 'spawn_1m' ? '1M' : '100k'} | ${bytes(r.otp?.bytes_per_process)} | ${bytes(r.beam?.bytes_per_process)} | ${ratio(r.otp?.bytes_per_process, r.beam?.bytes_per_process)} | ${bytes(r.bare?.bytes_per_process)} | ${bytes(r.nact?.bytes_per_process)} |`);
    lines.push(`| kill them all, ${id === 'spawn_1m' ? '1M' : '100k'} (kills/s) | ${fmt(r.otp?.kill_rate)} | ${fmt(r.beam?.kill_rate)} | ${ratio(r.otp?.kill_rate, r.beam?.kill_rate)} | – | ${fmt(r.nact?.kill_rate)} |`);
  }
  if (before) {
    lines.splice(-2 * 2 - 2, 2, `| memory and teardown | otp-ts | BEAM +S 1 | otp-ts / BEAM | bare async loop | nact | otp-ts before (${beforeRev}) | now / before |`, '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [k, id, key] of [[0, 'spawn_100k', 'bytes_per_process'], [1, 'spawn_100k', 'kill_rate'], [2, 'spawn_1m', 'bytes_per_process'], [3, 'spawn_1m', 'kill_rate']]) {
      const at = lines.length - 4 + k;
      const show = key === 'kill_rate' ? fmt : bytes;
      lines[at] += ` ${show(results[id].before?.[key])} | ${ratio(results[id].otp?.[key], results[id].before?.[key])} |`;
    }
  }
  const bare = results.pingpong.bare?.rate;
  const ringBare = results.ring.bare?.rate;
  lines.push(
    '',
    `The limit of a ring under a fair scheduler: the bare ring yielding to the event loop every 5,000 hops, as the runtime's budget of ${'10,000'} reductions a turn does (bare.mjs \`ring_yield\`), does ${fmt(ringYield.rate)} hops/s (${fmt(ringYield.cpu_rate)} per second of CPU), ${ratio(ringYield.cpu_rate, results.ring.bare?.cpu_rate)} of the bare ring that never yields in CPU time (${ratio(ringYield.rate, ringBare)} in wall time); otp-ts's ring is ${ratio(results.ring.otp?.cpu_rate, ringYield.cpu_rate)} of it in CPU time (${ratio(results.ring.otp?.rate, ringYield.rate)} in wall time). Each yield lets V8 run its scavenge task, which starts a young-generation collection when the young generation is 80% full instead of full, and a ring's collections each copy every process's pending receive: docs/architecture.md, "Fairness".`,
    '',
    `Knowing the running process: a bare ping-pong with an AsyncLocalStorage store active and read after each hand-off does ${fmt(als.rate)} round trips/s against ${fmt(bare)} without (${ratio(als.rate, bare)}); otp-ts passes the process context explicitly instead (docs/architecture.md).`,
    '',
    'Targets (issue: runtime core): idle process ≤ 1 KB and ≤ 0.4× BEAM; ping-pong, fan-in and ring ≥ 2× BEAM `+S 1` and within 2× of the bare hand-off (otp-ts / bare ≥ 0.5×); spawn rate ≥ 2× BEAM.',
  );
  const file = writeSection('runtime', lines.join('\n'), summaryRatios(results));
  console.log(`runtime bench: wrote ${file}`);
  await runTables();
}
