// The pg suite: joins and member reads of process groups on otp-ts and on Erlang/OTP's pg (+S 1), side
// by side in one run; writes the pg section of bench/RESULTS.md.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureErlang } from '../erlang.mjs';
import { writeSection } from '../results.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = join(root, 'bench', '.work');
const REPS = 3;

const WORKLOADS = [
  { id: 'join', title: 'pg join, 10k processes each join 10 of 100 groups (1k members a group at the end), one call a join', unit: 'joins/s' },
  { id: 'get_members', title: 'pg getMembers of a 100-member group, 1M reads (a join and a leave every 1k)', unit: 'reads/s' },
];

function runOtp(workload) {
  const r = spawnSync(process.execPath, [join(here, 'otp.mjs'), workload, String(REPS)], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`otp.mjs ${workload} failed: ${r.stderr || r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function runBeam(workload) {
  const runs = [];
  for (let i = 0; i < REPS; i++) {
    const r = spawnSync('erl', ['+S', '1', '-noshell', '-pa', work, '-run', 'bench_pg', 'main', workload], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`erl ${workload} failed: ${r.stderr || r.stdout}`);
    runs.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  runs.sort((a, b) => b.rate - a.rate);
  return { ...runs[0], median_rate: runs[Math.floor(runs.length / 2)].rate, reps: REPS };
}

// The cross-node workloads: two OS processes on each side, connected through one Erlang epmd on a port of
// the bench's own (a port mapper may already hold 4369; bench/dist uses 4380).
const EPMD_PORT = 4381;
const COOKIE = 'bench_pg';
const env = { ...process.env, ERL_EPMD_PORT: String(EPMD_PORT), OTP_EPMD_PORT: String(EPMD_PORT) };

// Starts a peer OS process and resolves once it printed `ready`.
function startPeer(command, args) {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => c.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`${command} peer exited with ${code}`)));
  });
}

async function remoteOtp() {
  const peer = await startPeer(process.execPath, [join(here, 'remote-peer.mjs'), 'bench_pg_b@127.0.0.1', COOKIE]);
  try {
    const r = spawnSync(process.execPath, [join(here, 'remote.mjs'), 'bench_pg_b@127.0.0.1', COOKIE, String(REPS)], { cwd: root, env, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`remote.mjs failed: ${r.stderr || r.signal}`);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } finally {
    peer.kill('SIGKILL');
  }
}

async function remoteBeam() {
  const erlArgs = (name) => ['+S', '1', '-noshell', '-name', name, '-setcookie', COOKIE, '-pa', work];
  const peer = await startPeer('erl', [...erlArgs('bench_pg_beam_b@127.0.0.1'), '-run', 'bench_pg', 'serve_remote']);
  try {
    const r = spawnSync('erl', [...erlArgs('bench_pg_beam_a@127.0.0.1'), '-run', 'bench_pg', 'main_remote', 'bench_pg_beam_b@127.0.0.1', String(REPS)], { env, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`erl bench_pg main_remote failed: ${r.stderr || r.stdout}`);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } finally {
    peer.kill('SIGKILL');
  }
}

const fmt = (v) => (v === undefined ? '–' : v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(0));
const ratio = (a, b) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}×`);

/** Runs the suite and writes its section of bench/RESULTS.md. */
export async function run() {
  console.log('pg bench: building otp-ts…');
  spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
  const otp = ensureErlang();
  if (otp) {
    mkdirSync(work, { recursive: true });
    const c = spawnSync('erlc', ['-o', work, join(here, 'bench_pg.erl')], { encoding: 'utf8' });
    if (c.status !== 0) throw new Error(`erlc failed: ${c.stderr}`);
  }
  const results = {};
  for (const w of WORKLOADS) {
    process.stdout.write(`  ${w.title} — otp-ts… `);
    const o = runOtp(w.id);
    console.log(`${fmt(o.rate)} ${w.unit}`);
    let b;
    if (otp) {
      process.stdout.write(`  ${w.title} — beam… `);
      b = runBeam(w.id);
      console.log(`${fmt(b.rate)} ${w.unit}`);
    }
    results[w.id] = { otp: o, beam: b };
  }
  process.stdout.write('  pg across two nodes — otp-ts… ');
  spawnSync('epmd', ['-port', String(EPMD_PORT), '-daemon']);
  const ro = await remoteOtp();
  console.log(`${fmt(ro.rate)} joins/s seen on the peer, ${ro.median_us.toFixed(0)} µs a join`);
  let rb;
  if (otp) {
    process.stdout.write('  pg across two nodes — beam… ');
    rb = await remoteBeam();
    console.log(`${fmt(rb.rate)} joins/s seen on the peer, ${rb.median_us.toFixed(0)} µs a join`);
  }
  spawnSync('epmd', ['-port', String(EPMD_PORT), '-kill']);
  const us = (v) => (v === undefined ? '–' : `${v.toFixed(0)} µs`);
  const lines = [
    '## pg',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}, Erlang/OTP ${otp ?? 'not available'} with \`+S 1\`.`,
    "Command: `npm run bench -- pg`. Best of 3 runs after a warm-up (otp-ts), best of 3 (BEAM), each implementation in its own OS process, one non-distributed node with the default scope. A join is a call to the scope server on both sides; a read is a table lookup without a call on both sides — OTP copies the member list out of ETS, otp-ts hands out a frozen snapshot made once after each change.",
    'The two cross-node rows run two OS processes per side on 127.0.0.1 (one epmd): the measuring node joins its own processes, one join call each, and a watcher on the peer node subscribed to the scope (`monitorScope`, `pg:monitor_scope`) reports what it sees. Throughput: 10k joins over 100 groups, timed until the peer has seen all of them. Propagation: 1,000 single joins, each timed from the join call until the peer\'s report of it arrived back (so one extra hop), median (and p99 of the best run in the note below).',
    '',
    '| workload | otp-ts (best / median) | BEAM +S 1 (best / median) | otp-ts / BEAM (best) |',
    '| --- | ---: | ---: | ---: |',
    ...WORKLOADS.map((w) => {
      const { otp: o, beam: b } = results[w.id];
      return `| ${w.title} (${w.unit}) | ${fmt(o.rate)} / ${fmt(o.median_rate)} | ${b ? `${fmt(b.rate)} / ${fmt(b.median_rate)}` : '–'} | ${ratio(o.rate, b?.rate)} |`;
    }),
    `| pg across two nodes: 10k joins over 100 groups, until the peer has seen them all (joins/s) | ${fmt(ro.rate)} / ${fmt(ro.median_rate)} | ${rb ? `${fmt(rb.rate)} / ${fmt(rb.median_rate)}` : '–'} | ${ratio(ro.rate, rb?.rate)} |`,
    `| pg across two nodes: a join until the peer saw it and said so, median (µs, lower is better) | ${us(ro.median_us)} / ${us(ro.median_median_us)} | ${rb ? `${us(rb.median_us)} / ${us(rb.median_median_us)}` : '–'} | ${ratio(rb?.median_us, ro.median_us)} |`,
    '',
    `p99 of the propagation (best run): otp-ts ${us(ro.p99_us)}, BEAM ${us(rb?.p99_us)}. The ratio column is otp-ts / BEAM for rates and BEAM / otp-ts for times, so above 1× is always otp-ts ahead. A join seen on the peer costs about one remote message round trip on either side (compare the dist section's remote ping-pong row, measured the same way): the gap in the last row is the distribution's loopback round trip on a loaded machine, not pg's work.`,
  ];
  console.log(`pg bench: wrote ${writeSection('pg', lines.join('\n'))}`);
}
