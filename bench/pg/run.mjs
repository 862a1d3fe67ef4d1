// The pg suite: joins and member reads of process groups on otp-ts and on Erlang/OTP's pg (+S 1), side
// by side in one run; writes the pg section of bench/RESULTS.md.
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
  const lines = [
    '## pg',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}, Erlang/OTP ${otp ?? 'not available'} with \`+S 1\`.`,
    "Command: `npm run bench -- pg`. Best of 3 runs after a warm-up (otp-ts), best of 3 (BEAM), each implementation in its own OS process, one non-distributed node with the default scope. A join is a call to the scope server on both sides; a read is a table lookup without a call on both sides — OTP copies the member list out of ETS, otp-ts hands out a frozen snapshot made once after each change.",
    '',
    '| workload | otp-ts (best / median) | BEAM +S 1 (best / median) | otp-ts / BEAM (best) |',
    '| --- | ---: | ---: | ---: |',
    ...WORKLOADS.map((w) => {
      const { otp: o, beam: b } = results[w.id];
      return `| ${w.title} (${w.unit}) | ${fmt(o.rate)} / ${fmt(o.median_rate)} | ${b ? `${fmt(b.rate)} / ${fmt(b.median_rate)}` : '–'} | ${ratio(o.rate, b?.rate)} |`;
    }),
  ];
  console.log(`pg bench: wrote ${writeSection('pg', lines.join('\n'))}`);
}
