// The behaviours suite: gen_server calls and casts, supervisor restarts and idle gen_server memory on
// otp-ts and on Erlang/OTP (+S 1), side by side in one run; writes the behaviours section of bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
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
  { id: 'call_seq', title: 'gen_server call, 1 client × 1M sequential', unit: 'calls/s', target: 'otp-ts/BEAM ≥ 2×' },
  { id: 'send_request', title: 'gen_server sendRequest/waitResponse, 100 in flight, 200k', unit: 'requests/s' },
  { id: 'call_100', title: 'gen_server call, 100 clients × 10k', unit: 'calls/s', target: 'otp-ts/BEAM ≥ 2×' },
  { id: 'cast', title: 'gen_server cast, 1M', unit: 'casts/s', target: 'otp-ts/BEAM ≥ 1×' },
  { id: 'restart', title: 'supervisor restart of a killed child, 10k', unit: 'restarts/s', target: 'otp-ts/BEAM ≥ 1×' },
  { id: 'idle_server', title: 'start 10k idle gen_servers', unit: 'starts/s' },
  { id: 'called_server', title: '10k gen_servers × 3 calls, no hibernate', unit: 'servers/s' },
  { id: 'hibernated_server', title: '10k gen_servers × 3 calls, replies hibernate', unit: 'servers/s' },
  { id: 'send_object', title: 'send a small nested object, 1M (isolation off)', unit: 'msgs/s' },
  { id: 'send_object_isolated', title: 'send a small nested object, 1M (isolation on: dev/test)', unit: 'msgs/s' },
];

function runOtp(workload) {
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, 'otp.mjs'), workload, String(REPS)], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`otp.mjs ${workload} failed: ${r.stderr || r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function runBeam(workload) {
  const reps = ['idle_server', 'called_server', 'hibernated_server'].includes(workload) ? 1 : REPS;
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const r = spawnSync('erl', ['+S', '1', '-noshell', '-pa', work, '-run', 'bench_behaviours', 'main', workload], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`erl ${workload} failed: ${r.stderr || r.stdout}`);
    runs.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  runs.sort((a, b) => b.rate - a.rate);
  return { ...runs[0], median_rate: runs[Math.floor(runs.length / 2)].rate, reps };
}

const fmt = (v) => (v === undefined ? '–' : v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(0));
const ratio = (a, b) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}×`);

/** Runs the suite and writes its section of bench/RESULTS.md. */
export async function run() {
  console.log('behaviours bench: building otp-ts…');
  spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
  const otp = ensureErlang();
  if (otp) {
    mkdirSync(work, { recursive: true });
    const c = spawnSync('erlc', ['-o', work, join(here, 'bench_behaviours.erl'), join(here, 'bench_sup.erl')], { encoding: 'utf8' });
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
  const idle = results.idle_server;
  const lines = [
    '## behaviours',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}, Erlang/OTP ${otp ?? 'not available'} with \`+S 1\`.`,
    'Command: `npm run bench -- behaviours`. Best of 3 runs after a warm-up, each implementation in its own OS process, all in one run; supervisor reports are silenced on both sides so the restart figure measures restarting, not logging.',
    '',
    '| workload | otp-ts | BEAM +S 1 | otp-ts / BEAM | target |',
    '| --- | ---: | ---: | ---: | --- |',
    ...WORKLOADS.map((w) => `| ${w.title} (${w.unit}) | ${fmt(results[w.id].otp.rate)} | ${fmt(results[w.id].beam?.rate)} | ${ratio(results[w.id].otp.rate, results[w.id].beam?.rate)} | ${w.target ?? ''} |`),
    `| memory per idle gen_server (bytes) | ${Math.round(idle.otp.bytes_per_process)} | ${idle.beam ? Math.round(idle.beam.bytes_per_process) : '–'} | ${ratio(idle.otp.bytes_per_process, idle.beam?.bytes_per_process)} | ≤ 1.2 KB |`,
    ...['called_server', 'hibernated_server'].map((id) => {
      const r = results[id];
      return `| memory per gen_server after 3 calls, ${id === 'hibernated_server' ? 'hibernated' : 'not hibernated'} (bytes) | ${Math.round(r.otp.bytes_per_process)} | ${r.beam ? Math.round(r.beam.bytes_per_process) : '–'} | ${ratio(r.otp.bytes_per_process, r.beam?.bytes_per_process)} | |`;
    }),
    `| message isolation cost: send_object isolated / not | ${ratio(results.send_object_isolated.otp.rate, results.send_object.otp.rate)} | | | |`,
  ];
  console.log(`behaviours bench: wrote ${writeSection('behaviours', lines.join('\n'))}`);
}
