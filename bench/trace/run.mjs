// The trace suite: what the trace hooks cost when nothing is traced (ping-pong, cross-module calls and a
// gen_server call loop on the runtime before the hooks against now), and what a trace costs when one is on.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { writeSection } from '../results.mjs';
import { ensureErlang } from '../erlang.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = join(root, 'bench', '.work', 'trace');
/** The last commit before the trace hooks entered the runtime: the baseline. */
const BASELINE = 'dcec5fb';

function bundle(srcRoot, out) {
  // The user API, and the trace agent from @otp-ts/runtime/tools where it has moved there (the entry held it before).
  const src = join(srcRoot, 'packages', 'runtime', 'src');
  const tools = join(src, 'tools.ts');
  const agent = existsSync(tools) && readFileSync(tools, 'utf8').includes('traceAgentOf') ? `export { traceAgentOf } from ${JSON.stringify(tools)};\n` : '';
  const stdin = { contents: `export * from ${JSON.stringify(join(src, 'index.ts'))};\n${agent}`, resolveDir: src, loader: 'ts' };
  buildSync({ stdin, bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'error' });
  return out;
}

function measure(runtime, workload) {
  const r = spawnSync(process.execPath, [join(here, 'otp.mjs'), runtime, workload], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`otp.mjs ${workload} failed: ${r.stderr || r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()).rate;
}

// Alternating runs, best of three each, so drift on a shared machine hits both sides alike.
function compare(before, after, workload) {
  let b = 0;
  let a = 0;
  for (let i = 0; i < 3; i++) {
    b = Math.max(b, measure(before, workload));
    a = Math.max(a, measure(after, workload));
  }
  return { b, a };
}

const fmt = (n) => Math.round(n).toLocaleString('en');
const pct = (a, b) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`;

/** Runs the suite and writes its section of bench/RESULTS.md. */
export async function run() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'baseline'), { recursive: true });
  execFileSync('sh', ['-c', `git -C "${root}" archive ${BASELINE} packages/runtime | tar -x -C "${join(work, 'baseline')}"`]);
  const before = bundle(join(work, 'baseline'), join(work, 'runtime-before.mjs'));
  const after = bundle(root, join(work, 'runtime-now.mjs'));
  const rows = [];
  for (const [workload, label, unit] of [['pingpong', 'ping-pong between two processes', 'round trips/s'], ['cross_module', 'cross-module call through an export table', 'calls/s'], ['call_loop', 'gen_server call loop', 'calls/s']]) {
    const { b, a } = compare(before, after, workload);
    console.log(`  ${label}: ${fmt(b)} before the hooks, ${fmt(a)} now (${pct(a, b)})`);
    rows.push(`| ${label}, nothing traced | ${fmt(b)} | ${fmt(a)} | ${pct(a, b)} | ${unit} |`);
  }
  const base = measure(after, 'call_loop');
  const beam = beamCallLoop();
  const traced = [`| gen_server call loop, nothing traced | ${fmt(base)} | – | ${beam ? fmt(beam.none) : '–'} | – | ${beam ? `${(base / beam.none).toFixed(2)}×` : '–'} |`];
  for (const [workload, label, anchor] of [['call_loop_trace_other', 'a trace on another function', 'other'], ['call_loop_trace_called_limit', 'a trace on handleCall at the default limit (10 events, then removed by the node)', 'called_limit'], ['call_loop_trace_called_all', 'a trace on handleCall reporting every call (rate limit 10⁹/s, the buffer full, events dropped)', null]]) {
    const r = measure(after, workload);
    const b = beam && anchor ? beam[anchor] : undefined;
    console.log(`  gen_server call loop with ${label}: ${fmt(r)} calls/s (${pct(r, base)})${b ? `; BEAM ${fmt(b)} (${pct(b, beam.none)})` : ''}`);
    traced.push(`| gen_server call loop with ${label} | ${fmt(r)} | ${pct(r, base)} | ${b ? fmt(b) : '–'} | ${b ? pct(b, beam.none) : '–'} | ${b ? `${(r / b).toFixed(2)}×` : '–'} |`);
  }
  const pp = measure(after, 'pingpong');
  const ppOther = measure(after, 'pingpong_trace_other');
  traced.push(`| ping-pong with a trace on another function | ${fmt(ppOther)} | ${pct(ppOther, pp)} | – | – | – |`);
  const lines = [
    '## trace',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}. Command: \`npm run bench -- trace\`. Best of 3 alternating runs (each the best of 5 after a warm-up); the machine is shared, so differences of a few percent are noise.`,
    '',
    `What the trace hooks cost when nothing is traced: the runtime at ${BASELINE} (before the hooks) against the runtime now, both bundled the same way.`,
    '',
    '| workload | before the hooks | now | difference | unit |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    `With a trace session on (runtime now; difference against the same loop with nothing traced), beside BEAM (Erlang/OTP ${beam?.release ?? 'not available'}, \`+S 1\`) running the same loop with the same traces set through the erlang:trace BIFs that dbg and recon_trace use, the limit enforced by the tracer process:`,
    '',
    '| workload | otp-ts calls/s | difference | BEAM calls/s | difference | otp-ts / BEAM |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...traced,
  ];
  console.log(`trace bench: wrote ${writeSection('trace', lines.join('\n'))}`);
}

// The same call loop on BEAM with no trace, a trace on another function, and one on handle_call limited to 10 events.
function beamCallLoop() {
  const release = ensureErlang();
  if (!release) return null;
  mkdirSync(work, { recursive: true });
  execFileSync('erlc', ['-o', work, join(here, 'bench_trace.erl')]);
  const r = spawnSync('erl', ['+S', '1', '-noshell', '-pa', work, '-run', 'bench_trace', 'main', 'x'], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`erl bench_trace failed: ${r.stderr || r.stdout}`);
  return { release, ...JSON.parse(r.stdout.trim().split('\n').pop()) };
}
