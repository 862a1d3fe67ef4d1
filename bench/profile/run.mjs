// The profile suite: what the scheduler's timing hook costs when no profile runs (the runtime now against
// the same runtime with the hook's two lines taken out), what a running otp profile costs a gen_server
// call loop beside eprof on BEAM for the same loop, and the time and size of a crash dump of 100k processes.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { writeSection } from '../results.mjs';
import { ensureErlang } from '../erlang.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = join(root, 'bench', '.work', 'profile');
// The hook as the process record has it: one test where a process is woken, one where it yields in a receive.
const HOOK = /^\s*if \(runTiming\.on !== null\) runTiming\.on\.(woke|yielded)\(this\);\n/gm;

function bundle(entry, out) {
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'error' });
  return out;
}

// The committed runtime (HEAD, so work in progress in the tree stays out), as it is and with the hook's
// lines removed: the same code otherwise, so the difference is the hook alone.
function committed(name, strip) {
  const copy = join(work, name);
  mkdirSync(copy, { recursive: true });
  execFileSync('sh', ['-c', `git -C "${root}" archive HEAD packages/runtime bench/profile/entry.ts | tar -x -C "${copy}"`]);
  if (strip) {
    // Wherever the process record's files keep them (process.ts, or process-mailbox.ts since the split).
    const src = join(copy, 'packages', 'runtime', 'src');
    let found = 0;
    for (const name of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(src, name), 'utf8');
      const n = (source.match(HOOK) ?? []).length;
      if (n === 0) continue;
      found += n;
      writeFileSync(join(src, name), source.replace(HOOK, ''));
    }
    if (found !== 2) throw new Error(`bench/profile: the runtime has ${found} runTiming lines, not the two this bench takes out; update HOOK`);
  }
  return bundle(join(copy, 'bench', 'profile', 'entry.ts'), join(work, `runtime-${name}.mjs`));
}

function measure(runtime, workload) {
  const r = spawnSync(process.execPath, [join(here, 'otp.mjs'), runtime, workload, work], { cwd: root, encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`otp.mjs ${workload} failed: ${r.stderr || r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// Both runtimes in one OS process, in short alternating rounds (bench/profile/otp.mjs's ab): the median of
// the rounds' ratios, over three processes that swap which runtime is loaded first. A load that swings
// from one second to the next (a shared machine) then hits both sides alike.
function ab(first, second, workload) {
  const r = spawnSync(process.execPath, [join(here, 'otp.mjs'), first, workload, work, second], { cwd: root, encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`otp.mjs ${workload} failed: ${r.stderr || r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function compare(before, after, workload) {
  const medians = [];
  const quartiles = [];
  let b = 0;
  let a = 0;
  for (let i = 0; i < 3; i++) {
    // The ratio is always with-hook / without, whichever runtime the process loaded first.
    const r = i % 2 === 0 ? ab(before, after, workload) : ab(after, before, workload);
    const flip = i % 2 === 1;
    medians.push(flip ? 1 / r.median : r.median);
    quartiles.push(flip ? [1 / r.high, 1 / r.low] : [r.low, r.high]);
    b = Math.max(b, flip ? r.second : r.first);
    a = Math.max(a, flip ? r.first : r.second);
  }
  const order = medians.map((m, i) => [m, i]).sort((x, y) => x[0] - y[0]);
  const mid = order[1][1];
  return { b, a, median: medians[mid], low: quartiles[mid][0], high: quartiles[mid][1] };
}

const fmt = (n) => Math.round(n).toLocaleString('en');
const pct = (a, b) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`;
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** Runs the suite and writes its section of bench/RESULTS.md. */
export async function run() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const before = committed('nohook', true);
  const after = committed('now', false);

  const off = [];
  for (const [workload, label, unit] of [['ab_pingpong', 'ping-pong between two processes (50,000 round trips a round)', 'round trips/s'], ['ab_call_loop', 'gen_server call loop (20,000 calls a round)', 'calls/s']]) {
    const { b, a, median, low, high } = compare(before, after, workload);
    const aa = compare(after, after, workload);
    console.log(`  ${label}: ${fmt(b)} without the hook, ${fmt(a)} with it; median ratio ${pct(median, 1)} (quartiles ${pct(low, 1)} to ${pct(high, 1)}); the same runtime against itself ${pct(aa.median, 1)} (${pct(aa.low, 1)} to ${pct(aa.high, 1)})`);
    off.push(`| ${label} | ${fmt(b)} | ${fmt(a)} | ${pct(median, 1)} (${pct(low, 1)} to ${pct(high, 1)}) | ${pct(aa.median, 1)} (${pct(aa.low, 1)} to ${pct(aa.high, 1)}) | ${unit} |`);
  }

  let base = 0;
  let sampler = 0;
  let profiled = 0;
  for (let i = 0; i < 3; i++) {
    base = Math.max(base, measure(after, 'call_loop').rate);
    sampler = Math.max(sampler, measure(after, 'call_loop_sampler').rate);
    profiled = Math.max(profiled, measure(after, 'call_loop_profiled').rate);
  }
  const beam = beamCallLoop();
  console.log(`  call loop: ${fmt(base)} calls/s; with V8's sampler alone ${fmt(sampler)} (${pct(sampler, base)}); with otp profile ${fmt(profiled)} (${pct(profiled, base)})${beam ? `; BEAM ${fmt(beam.none)}, with eprof ${fmt(beam.eprof)} (${pct(beam.eprof, beam.none)})` : ''}`);

  const dumps = [];
  for (const [workload, limit] of [['dump_default', '32 MiB (the default)'], ['dump_2mb', '2,000,000 bytes']]) {
    let best = null;
    for (let i = 0; i < 3; i++) {
      const r = measure(after, workload);
      if (best === null || r.ms < best.ms) best = r;
    }
    console.log(`  crash dump of 100k processes, limit ${limit}: ${best.ms.toFixed(0)} ms, ${mb(best.bytes)}`);
    dumps.push(`| otp-ts, limit ${limit} | ${best.ms.toFixed(0)} ms | ${mb(best.bytes)} |`);
  }
  const beamDump = beam ? beamCrashDump() : null;
  if (beamDump) {
    console.log(`  BEAM erl_crash.dump of 100k processes: ${beamDump.ms.toFixed(0)} ms, ${mb(beamDump.bytes)}`);
    dumps.push(`| BEAM (OTP ${beam.release}) \`erlang:halt/1\`, erl_crash.dump (no limit) | ${beamDump.ms.toFixed(0)} ms | ${mb(beamDump.bytes)} |`);
  }

  const lines = [
    '## profile',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}. Command: \`npm run bench -- profile\`. The hook's cost: both runtimes loaded in one OS process, 30 alternating rounds each (each first in every other round) after a warm-up, three such processes swapping which runtime is loaded first; the median process's median ratio and quartiles. The rest: each run the best of 5 after a warm-up, the best of 3 runs. The machine is shared (load average ${loadavg()[0].toFixed(0)} at the end), so differences of a few percent, and more under load, are noise.`,
    '',
    "What the scheduler's timing hook for `otp profile`'s process view costs when no profile runs: the committed runtime against the same runtime with the hook's two lines (`runTiming.on` tested where a process is woken and where it yields) taken out, both bundled the same way.",
    '',
    '| workload | without the hook (best round) | with the hook (best round) | with / without: median of the rounds (quartiles) | the runtime against itself, the same way (the noise) | unit |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...off,
    '',
    `A gen_server call loop (100,000 calls) while a profile runs, beside BEAM (Erlang/OTP ${beam?.release ?? 'not available'}, \`+S 1\`) running the same loop under eprof (profiling the caller and the server). OTP ${beam?.release ?? '25'} has eprof and fprof; tprof, eprof's successor, arrived in OTP 27 and is not installed here.`,
    '',
    '| workload | calls/s | difference |',
    '| --- | ---: | ---: |',
    `| otp-ts, no profile | ${fmt(base)} | – |`,
    `| otp-ts, V8's sampling profiler alone (1 ms interval) | ${fmt(sampler)} | ${pct(sampler, base)} |`,
    `| otp-ts, \`otp profile\` running (the sampler and the scheduler's process timer) | ${fmt(profiled)} | ${pct(profiled, base)} |`,
    ...(beam ? [`| BEAM, nothing on | ${fmt(beam.none)} | – |`, `| BEAM, eprof on both processes | ${fmt(beam.eprof)} | ${pct(beam.eprof, beam.none)} |`] : []),
    '',
    'Writing a crash dump of a node with 100,000 waiting processes (synchronous, as on an uncaught error; best of 3), and BEAM writing erl_crash.dump for as many (from `erlang:halt/1` to the end of the OS process):',
    '',
    '| dump | time | size |',
    '| --- | ---: | ---: |',
    ...dumps,
  ];
  console.log(`profile bench: wrote ${writeSection('profile', lines.join('\n'))}`);
}

function beamCallLoop() {
  const release = ensureErlang();
  if (!release) return null;
  execFileSync('erlc', ['-o', work, join(here, 'bench_profile.erl')]);
  const r = spawnSync('erl', ['+S', '1', '-noshell', '-pa', work, '-run', 'bench_profile', 'main', 'x'], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`erl bench_profile failed: ${r.stderr || r.stdout}`);
  return { release, ...JSON.parse(r.stdout.trim().split('\n').pop()) };
}

function beamCrashDump() {
  let best = null;
  for (let i = 0; i < 3; i++) {
    const file = join(work, 'erl_crash.dump');
    rmSync(file, { force: true });
    const r = spawnSync('erl', ['+S', '1', '-noshell', '-pa', work, '-run', 'bench_profile', 'main', 'dump'], { encoding: 'utf8', timeout: 900_000, env: { ...process.env, ERL_CRASH_DUMP: file } });
    const end = Date.now() * 1000;
    const start = Number(/^(\d{16})$/m.exec(r.stdout)?.[1]);
    if (!Number.isFinite(start)) throw new Error(`erl bench_profile dump printed no start time: ${r.stdout}${r.stderr}`);
    const one = { ms: (end - start) / 1000, bytes: statSync(file).size };
    if (best === null || one.ms < best.ms) best = one;
    rmSync(file, { force: true });
  }
  return best;
}
