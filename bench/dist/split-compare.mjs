// The dist suite's workloads run on the runtime before and after the commit that split Distribution into units
// (issue 18: "behaviour unchanged ... the benchmarks' ratios stay where they are"), side by side in one run.
// Usage: node bench/dist/split-compare.mjs [--rounds N] [--commit REV] [--no-write]
// Both runtimes are bundled by the dist suite's own esbuild call (versions.mjs) from their sources in git, and
// driven by the same measuring and peer scripts (otp.mjs, peer.mjs, setup-pair.mjs); rounds alternate their order
// (before, after, BEAM; then after, before, BEAM; …) so the machine's load falls on both alike. Writes the
// dist-split section of bench/RESULTS.md.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureErlang } from '../erlang.mjs';
import { writeSection } from '../results.mjs';
import { buildRuntimes, toolsOf } from './versions.mjs';
import { stopEpmd } from './epmd.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = join(root, 'bench', '.work', 'split');
const COOKIE = 'bench_split';
// Its own port mapper port, so a dist suite running at the same time keeps its own.
const EPMD_PORT = 4386;
const env = { ...process.env, ERL_EPMD_PORT: String(EPMD_PORT), OTP_EPMD_PORT: String(EPMD_PORT) };

const flag = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
/** The commit that split Distribution into units (Dialler, Admission, NodeTable, NodeWatchers, control.ts). */
const SPLIT_COMMIT = flag('--commit', '4862a5a');
const ROUNDS = Number(flag('--rounds', '5'));
const PAIR_ROUNDS = 5;
const PAIR_SAMPLES = 100;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en');

function startPeer(command, args, delayMs = 0) {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    if (delayMs > 0) setTimeout(() => resolve(child), delayMs);
    child.stdout.on('data', (c) => c.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`${command} peer exited with ${code}`)));
  });
}

// CPU time (ms, user + system) of a live process (`pid`), or of this process's reaped children (`children`): Linux's
// /proc stat, in ticks of 10 ms. The machine's load stretches wall times far more than the CPU a workload costs.
function cpuMs(pid, children = false) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (children ? Number(fields[13]) + Number(fields[14]) : Number(fields[11]) + Number(fields[12])) * 10;
}

// One round of the dist suite's otp-ts workloads on `runtime` (a bundle), against a peer of the same runtime; with
// the CPU time the measuring process and the peer spent on the whole round.
async function otpRound(label, runtime) {
  const peerName = `bench_split_${label}_b@127.0.0.1`;
  const peer = await startPeer(process.execPath, [join(here, 'peer.mjs'), peerName, COOKIE, runtime]);
  try {
    const peerCpu0 = cpuMs(peer.pid);
    const cpu0 = cpuMs('self', true);
    const r = spawnSync(process.execPath, [join(here, 'otp.mjs'), peerName, COOKIE, runtime], { cwd: root, env, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`otp.mjs (${label}) failed: ${r.stderr || r.signal}`);
    return { ...JSON.parse(r.stdout.trim().split('\n').pop()), cpu_ms: cpuMs('self', true) - cpu0, peer_cpu_ms: cpuMs(peer.pid) - peerCpu0 };
  } finally {
    peer.kill('SIGKILL');
  }
}

async function beamRound() {
  const erlArgs = (name) => ['+S', '1', '-noshell', '-name', name, '-setcookie', COOKIE, '-pa', work];
  const peer = await startPeer('erl', [...erlArgs('bench_split_beam_b@127.0.0.1'), '-run', 'bench_dist', 'serve'], 1500);
  try {
    const r = spawnSync('erl', [...erlArgs('bench_split_beam_a@127.0.0.1'), '-run', 'bench_dist', 'main', 'bench_split_beam_b@127.0.0.1'], { env, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`erl bench_dist failed: ${r.stderr || r.stdout}`);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } finally {
    peer.kill('SIGKILL');
  }
}

// Set-up sample by sample in one measuring process (setup-pair.mjs): `after` in its "now" slot.
async function pairedSetup(after, before) {
  const peers = [];
  try {
    peers.push(await startPeer(process.execPath, [join(here, 'peer.mjs'), 'bench_split_peer_after@127.0.0.1', COOKIE, after]));
    peers.push(await startPeer(process.execPath, [join(here, 'peer.mjs'), 'bench_split_peer_before@127.0.0.1', COOKIE, before]));
    const rounds = [];
    for (let round = 1; round <= PAIR_ROUNDS; round++) {
      const args = [join(here, 'setup-pair.mjs'), after, before, COOKIE, 'bench_split_peer_after@127.0.0.1', 'bench_split_peer_before@127.0.0.1', String(PAIR_SAMPLES)];
      const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', timeout: 600_000 });
      if (r.status !== 0) throw new Error(`setup-pair.mjs failed: ${r.stderr || r.signal}`);
      rounds.push(JSON.parse(r.stdout.trim().split('\n').pop()));
      console.log(`  paired set-up round ${round} of ${PAIR_ROUNDS}: ${JSON.stringify(rounds.at(-1))}`);
    }
    return rounds;
  } finally {
    for (const p of peers) p.kill('SIGKILL');
  }
}

const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout.trim();
const afterCommit = git('rev-parse', '--short', SPLIT_COMMIT);
const beforeCommit = git('rev-parse', '--short', `${SPLIT_COMMIT}^`);
if (!afterCommit || !beforeCommit) throw new Error(`bench/dist/split-compare: git does not know ${SPLIT_COMMIT}: run it from a clone with the history`);
mkdirSync(work, { recursive: true });
console.log(`dist split: bundling the runtime of ${beforeCommit} (before) and ${afterCommit} (the split)…`);
const before = (await buildRuntimes(root, work, beforeCommit)).before;
const after = (await buildRuntimes(root, work, afterCommit)).before;

const erlang = ensureErlang();
if (erlang) {
  spawnSync('erlc', ['-o', work, join(here, 'bench_dist.erl')], { stdio: 'inherit' });
  spawnSync('epmd', ['-port', String(EPMD_PORT), '-daemon']);
}
const load = [loadavg()[0]];
const rounds = { before: [], after: [], beam: [] };
let pair;
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? ['before', 'after'] : ['after', 'before'];
    for (const side of order) {
      // A round whose handshake missed its deadline on the overloaded machine (otp.mjs gives up at once) runs again.
      const attempt = () => otpRound(side, side === 'before' ? before : after);
      rounds[side].push(await attempt().catch((error) => (console.log(`  round ${round} ${side}: ${error.message.split('\n')[0]}; again`), attempt())));
      console.log(`  round ${round} ${side.padEnd(6)} ${JSON.stringify(rounds[side].at(-1))}`);
    }
    if (erlang) {
      rounds.beam.push(await beamRound());
      console.log(`  round ${round} BEAM   ${JSON.stringify(rounds.beam.at(-1))}`);
    }
    load.push(loadavg()[0]);
  }
  pair = await pairedSetup(after, before);
  load.push(loadavg()[0]);
} finally {
  if (erlang) {
    await stopEpmd(EPMD_PORT);
  } else {
    const { killPortMapper } = await import(`file://${toolsOf(before)}`);
    await killPortMapper('127.0.0.1', EPMD_PORT).catch(() => false);
  }
}

// Per workload: each side's median over the rounds, after / before of the medians, the median of the rounds'
// own quotients (round i's after against round i's before, run next to each other), and otp-ts / BEAM of each.
const workloads = [
  ['setup_us', 'connection set-up to a node reached before (median of 100)', 'µs', false],
  ['first_us', 'connection set-up, first contact (median of 100)', 'µs', false],
  ['rtt_us', 'remote ping-pong round trip (20,000)', 'µs', false],
  ['small_per_s', 'one-way small messages (200,000)', 'msg/s', true],
  ['kb_per_s', 'one-way 1 KB messages (50,000)', 'msg/s', true],
];
const med = (side, key) => median(rounds[side].map((r) => r[key]));
// BEAM has one set-up figure (it asks epmd every time): it stands in both set-up rows, as in the dist section.
const beamKey = (key) => (key === 'first_us' ? 'setup_us' : key);
// "otp-ts / BEAM, higher is better for otp-ts", as the dist section reads.
const vsBeam = (side, key, higher) => (erlang ? (higher ? med(side, key) / med('beam', beamKey(key)) : med('beam', beamKey(key)) / med(side, key)) : undefined);
const rows = workloads.map(([key, what, unit, higher]) => {
  const paired = median(rounds.after.map((r, i) => r[key] / rounds.before[i][key]));
  const range = rounds.after.map((r, i) => r[key] / rounds.before[i][key]);
  return { key, what, unit, higher, before: med('before', key), after: med('after', key), beam: erlang ? med('beam', beamKey(key)) : undefined, ratio: med('after', key) / med('before', key), paired, lo: Math.min(...range), hi: Math.max(...range), vsBefore: vsBeam('before', key, higher), vsAfter: vsBeam('after', key, higher) };
});
const x = (v) => (v === undefined ? '–' : `${v.toFixed(2)}×`);
const digits = (v, unit) => (unit === 'µs' && v < 100 ? v.toFixed(1) : fmt(v));
const cpuRow = (key) => ({ before: med('before', key), after: med('after', key), paired: median(rounds.after.map((r, i) => r[key] / rounds.before[i][key])) });
const cpu = { measuring: cpuRow('cpu_ms'), peer: cpuRow('peer_cpu_ms') };
const pairRatio = (key) => median(pair.map((p) => p.ratio[key]));
const pairCpu = (side, key) => median(pair.map((p) => p[side][key]));
for (const r of rows) console.log(`  ${r.key}: before ${digits(r.before, r.unit)}, after ${digits(r.after, r.unit)} ${r.unit}; after/before ${x(r.ratio)} (paired ${x(r.paired)}); otp-ts/BEAM ${x(r.vsBefore)} → ${x(r.vsAfter)}`);
console.log(`  CPU per round: measuring ${cpu.measuring.before} → ${cpu.measuring.after} ms (paired ${x(cpu.measuring.paired)}), peer ${cpu.peer.before} → ${cpu.peer.after} ms (paired ${x(cpu.peer.paired)})`);
console.log(`  paired set-up: reconnection ${x(pairRatio('setup'))}, first contact ${x(pairRatio('first'))}; load ${load.map((l) => l.toFixed(1)).join(' → ')}`);

const lines = [
  '## dist: before and after the split of Distribution into units',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}, Erlang/OTP ${erlang ?? 'not available'} with \`+S 1\`; load average (1 minute) ${load.map((l) => l.toFixed(1)).join(', ')} over the run (at the start and after each round). Command: \`node bench/dist/split-compare.mjs\`.`,
  `The dist suite's otp-ts workloads (bench/dist/otp.mjs against a peer.mjs of the same runtime) on the runtime of ${beforeCommit} (before) and of ${afterCommit} (which split Distribution into the Dialler, Admission, NodeTable, NodeWatchers and typed control messages; issue 18), both bundled by the suite's esbuild call from their sources in git, in ${ROUNDS} rounds that alternate their order, each round also running the BEAM workload. Figures are medians over the rounds; "paired" is the median of each round's after / before, run one after the other. On this shared machine a workload's wall time swings by 2–3× between neighbouring rounds (see the ranges); the CPU time a round costs each process (10 ms ticks) is far steadier, and the one-process set-up comparison below steadier still.`,
  '',
  '| workload | before | after | after / before (paired: median, range) | otp-ts / BEAM, before → after (higher is better for otp-ts) |',
  '| --- | ---: | ---: | --- | --- |',
  ...rows.map((r) => `| ${r.what} | ${digits(r.before, r.unit)} ${r.unit} | ${digits(r.after, r.unit)} ${r.unit} | ${x(r.ratio)} (${x(r.paired)}, ${x(r.lo)}–${x(r.hi)}) | ${x(r.vsBefore)} → ${x(r.vsAfter)} |`),
  `| CPU time of a whole round (all five workloads), the measuring process | ${fmt(cpu.measuring.before)} ms | ${fmt(cpu.measuring.after)} ms | ${x(cpu.measuring.after / cpu.measuring.before)} (${x(cpu.measuring.paired)}) | – |`,
  `| CPU time of a whole round, the peer process | ${fmt(cpu.peer.before)} ms | ${fmt(cpu.peer.after)} ms | ${x(cpu.peer.after / cpu.peer.before)} (${x(cpu.peer.paired)}) | – |`,
  '',
  `Connection set-up also side by side in one measuring process (bench/dist/setup-pair.mjs: a node of each runtime alternating sample by sample, ${PAIR_SAMPLES} of each kind per round, ${PAIR_ROUNDS} rounds): after / before, median of the paired quotients, reconnection ${x(pairRatio('setup'))}, first contact ${x(pairRatio('first'))}; the dialling process's CPU per reconnection ${fmt(pairCpu('now', 'setup_cpu_us'))} µs after against ${fmt(pairCpu('before', 'setup_cpu_us'))} µs before (${x(pairCpu('now', 'setup_cpu_us') / pairCpu('before', 'setup_cpu_us'))}), per first contact ${fmt(pairCpu('now', 'first_cpu_us'))} µs against ${fmt(pairCpu('before', 'first_cpu_us'))} µs (${x(pairCpu('now', 'first_cpu_us') / pairCpu('before', 'first_cpu_us'))}).`,
];
if (!process.argv.includes('--no-write')) console.log(`dist split: wrote ${writeSection('dist-split', lines.join('\n'))}`);
else console.log(lines.join('\n'));
process.exit(0);
