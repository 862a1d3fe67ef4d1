// The dist suite: remote ping-pong round trips, one-way throughput of small and 1 KB messages and
// connection set-up time between two otp-ts nodes, beside the same between two BEAM nodes, in one run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureErlang } from '../erlang.mjs';
import { writeSection } from '../results.mjs';
import { idleMemory } from './idle.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = join(root, 'bench', '.work');
const COOKIE = 'bench_dist';
// Both runtimes use one Erlang epmd on a port of the bench's own (a port mapper may already hold 4369).
const EPMD_PORT = 4380;
const env = { ...process.env, ERL_EPMD_PORT: String(EPMD_PORT), OTP_EPMD_PORT: String(EPMD_PORT) };

// Starts a peer OS process and resolves once it printed `ready` (or after `delayMs` for erl).
function startPeer(command, args, delayMs = 0) {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    if (delayMs > 0) setTimeout(() => resolve(child), delayMs);
    child.stdout.on('data', (c) => c.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`${command} peer exited with ${code}`)));
  });
}

async function otp() {
  const peer = await startPeer(process.execPath, [join(here, 'peer.mjs'), 'bench_otp_b@127.0.0.1', COOKIE]);
  try {
    const r = spawnSync(process.execPath, [join(here, 'otp.mjs'), 'bench_otp_b@127.0.0.1', COOKIE], { cwd: root, env, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`otp.mjs failed: ${r.stderr || r.signal}`);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } finally {
    peer.kill('SIGKILL');
  }
}

async function beam() {
  const erlArgs = (name) => ['+S', '1', '-noshell', '-name', name, '-setcookie', COOKIE, '-pa', work];
  const peer = await startPeer('erl', [...erlArgs('bench_beam_b@127.0.0.1'), '-run', 'bench_dist', 'serve'], 1500);
  try {
    const r = spawnSync('erl', [...erlArgs('bench_beam_a@127.0.0.1'), '-run', 'bench_dist', 'main', 'bench_beam_b@127.0.0.1'], { env, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`erl bench_dist failed: ${r.stderr || r.stdout}`);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } finally {
    peer.kill('SIGKILL');
  }
}

const fmt = (n) => Math.round(n).toLocaleString('en');
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const kib = (b) => `${Math.round(b / 1024).toLocaleString('en')} KiB`;
// Set-up with the version-2 handshake, measured by this suite on the day version 3 replaced it (same
// machine), and version 2 beside version 3 in paired runs: a run measures only the code it runs, so the
// figures it is compared with are kept here.
const BEFORE_V3 = { date: '2026-12-05', setup_us: 2026, first_us: 2701, beam_setup_us: 2571 };
// Five paired runs (200 reconnections and 50 first contacts per runtime each), ratios version 3 / version 2.
const PAIRED = { reconnect: [1.31, 1.21, 1.32, 1.19, 1.22], first: [1.51, 1.09, 1.33, 1.12, 1.52] };
const ROUNDS = 5;
// Each key's median over the rounds.
function medianOf(rounds) {
  const mid = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return Object.fromEntries(Object.keys(rounds[0]).map((k) => [k, mid(rounds.map((r) => r[k]))]));
}

/** Runs the suite and writes its section of bench/RESULTS.md. */
export async function run() {
  console.log('dist bench: building otp-ts…');
  spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
  const release = ensureErlang();
  if (release) {
    mkdirSync(work, { recursive: true });
    spawnSync('erlc', ['-o', work, join(here, 'bench_dist.erl')], { stdio: 'inherit' });
    // Both sides use the same port mapper: Erlang's epmd (otp-ts speaks its protocol).
    spawnSync('epmd', ['-port', String(EPMD_PORT), '-daemon']);
  }
  // Rounds alternate between the two runtimes, and each figure is the median of its rounds: the machine's
  // noise (other tenants, frequency changes) then falls on both sides alike.
  const otpRounds = [];
  const beamRounds = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`  round ${round} of ${ROUNDS}`);
      otpRounds.push(await otp());
      if (release) beamRounds.push(await beam());
      console.log(`    otp-ts ${JSON.stringify(otpRounds.at(-1))}${release ? `\n    BEAM   ${JSON.stringify(beamRounds.at(-1))}` : ''}`);
    }
  } finally {
    if (release) spawnSync('epmd', ['-port', String(EPMD_PORT), '-kill']);
    else await (await import('@otp-ts/runtime')).killPortMapper('127.0.0.1', EPMD_PORT).catch(() => false);
  }
  // Memory is not noisy the way times are: one node, measured once, after a full collection each time.
  const memory = await idleMemory(COOKIE, env, EPMD_PORT);
  console.log(`  idle handshakes: ${JSON.stringify(memory)}`);
  const o = medianOf(otpRounds);
  const b = release ? medianOf(beamRounds) : undefined;
  console.log(`  otp-ts: ${JSON.stringify(o)}${b ? `\n  BEAM:   ${JSON.stringify(b)}` : ''}`);
  const row = (what, ov, bv, unit, higherIsBetter, digits = 0) => {
    const f = (v) => (digits ? v.toFixed(digits) : fmt(v));
    const ratio = bv === undefined ? '–' : `${(higherIsBetter ? ov / bv : bv / ov).toFixed(2)}×`;
    return `| ${what} | ${f(ov)} ${unit} | ${bv === undefined ? '–' : `${f(bv)} ${unit}`} | ${ratio} |`;
  };
  const lines = [
    '## dist',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}, Erlang/OTP ${release ?? 'not available'} with \`+S 1\`. Two nodes, each its own OS process, over loopback TCP; each figure is the median of ${ROUNDS} rounds that alternate between the runtimes; both use Erlang's epmd${release ? '' : ' (not installed: the built-in port mapper)'}. Command: \`npm run bench -- dist\`.`,
    '',
    '| workload | otp-ts | BEAM +S 1 | otp-ts / BEAM (higher is better for otp-ts) |',
    '| --- | --- | --- | --- |',
    row('connection set-up to a node reached before (after a disconnect; median of 100)', o.setup_us, b?.setup_us, 'µs', false),
    row('connection set-up, first contact (port-mapper lookup, then handshake; median of 100)', o.first_us, b?.setup_us, 'µs', false),
    row('remote ping-pong round trip (20,000, pid to pid)', o.rtt_us, b?.rtt_us, 'µs', false, 1),
    row('one-way small messages (200,000 two-element tuples/arrays)', o.small_per_s, b?.small_per_s, 'msg/s', true),
    row('one-way 1 KB messages (50,000 binaries/Buffers)', o.kb_per_s, b?.kb_per_s, 'msg/s', true),
    '',
    'Set-up is timed from the call (otp-ts `ping`, BEAM `net_kernel:connect_node`) to a usable connection, 20 ms after a disconnect; a BEAM sample where the peer had already connected back within those 20 ms (it did in about half of the samples, and `connect_node` then returns in ~40 µs) is skipped — figures for BEAM before 2026-11-26 counted them. BEAM asks epmd every time, so its one figure stands in both set-up rows; an otp-ts node that reached a node before shakes hands on the port it used then and asks the port mapper only if that fails or takes over 20 ms (the handshake proves the name and cookie). After traffic both runtimes keep polling for a while rather than sleep at once (BEAM: its schedulers, `+sbwt medium` by default; otp-ts: `busyWaitUs`, 200 µs by default), which is what the round-trip row shows.',
    '',
    'One-way throughput is timed until the peer confirms it counted every message. The otp-ts sender yields every 256 sends, which is where a busy connection (over 1 MiB unsent) suspends it.',
    '',
    `Set-up against the version-2 handshake (hello → welcome → ack, the dialler up after one round trip), measured with this suite on ${BEFORE_V3.date} just before version 3 replaced it: reconnection ${fmt(BEFORE_V3.setup_us)} µs, first contact ${fmt(BEFORE_V3.first_us)} µs, BEAM ${fmt(BEFORE_V3.beam_setup_us)} µs in that run (otp-ts / BEAM ${(BEFORE_V3.beam_setup_us / BEFORE_V3.setup_us).toFixed(2)}×; this run ${b ? (b.setup_us / o.setup_us).toFixed(2) : '–'}×). The machine's load differs between runs by more than the handshake does, so the two versions were also run side by side: one measuring process holding a node of each runtime, each against a peer process of its own version, alternating sample by sample. Version 3 / version 2, median of ${PAIRED.reconnect.length} such runs: reconnection ${median(PAIRED.reconnect).toFixed(2)}× (${Math.min(...PAIRED.reconnect)}–${Math.max(...PAIRED.reconnect)}), first contact ${median(PAIRED.first).toFixed(2)}× (${Math.min(...PAIRED.first)}–${Math.max(...PAIRED.first)}). A first contact waits for the listener's challenge before the dialler can prove itself (the price of the dialler proving first, as BEAM's own handshake does); a reconnection proves itself over the one-time challenge of the last handshake together with its hello.`,
    '',
    `Memory of an otp-ts node holding 100 connections still in their handshake (each sent a hello, got the challenge, then stays silent within the 5 s deadline), after a full collection: RSS ${mib(memory.idle.rss)} idle, ${mib(memory.holding.rss)} holding them (each holds ${kib((memory.holding.heapUsed - memory.idle.heapUsed) / 100)} of JS heap and ${kib((memory.holding.external - memory.idle.external) / 100)} of socket read buffer), ${mib(memory.after.rss)} after they closed, when the heap (${mib(memory.after.heapUsed)}; idle ${mib(memory.idle.heapUsed)}) and the buffers (${mib(memory.after.external)}; idle ${mib(memory.idle.external)}) are back and RSS stays as the allocator keeps its pages. A node holds at most \`maxUnauthenticated\` (128) such connections and drops more at once; each may send at most \`maxHandshakeBytes\` (4 KiB) before it proves the cookie.`,
  ];
  const file = writeSection('dist', lines.join('\n'));
  console.log(`  wrote the dist section of ${file}`);
}
