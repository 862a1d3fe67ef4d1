// ETS select with a match spec: otp-ts's compiled specs beside ets:select on the BEAM (+S 1), each in its
// own OS process. Usage: node bench/runtime/tables.mjs (writes the runtime-tables section of bench/RESULTS.md),
// or node bench/runtime/tables.mjs WORKLOAD (prints one JSON line for otp-ts).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNode, gt, matchSpec, _ } from '@otp-ts/runtime';
import { ensureErlang } from '../erlang.mjs';
import { writeSection } from '../results.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = join(root, 'bench', '.work');
const ROWS = 100_000;
const WORKLOADS = [
  { id: 'scan_set', title: 'select over a 100k-row set, guard `age > 50`, result the name (ns per row scanned)' },
  { id: 'scan_ordered', title: 'the same over an orderedSet (ns per row scanned)' },
  { id: 'reverse_ordered', title: 'selectReverse over the orderedSet, same guard and result (ns per row scanned)' },
  { id: 'replace_set', title: 'selectReplace over the set: rows with `age > 50` rebuilt as equal rows and written back (ns per row scanned)' },
  { id: 'bound_set', title: 'select with a bound key, a new spec each call, 100k calls (ns per call)' },
  { id: 'scan_predicate', title: 'for scale: a hand-written JS predicate and map, no spec (ns per row scanned)', otpOnly: true },
  { id: 'run_compiled', title: 'the spec alone over the 100k rows in an array: compiled (ns per row)', otpOnly: true },
  { id: 'run_interpreted', title: 'the spec alone: walking its tree instead (ns per row)', otpOnly: true },
];

async function measure(workload) {
  const node = createNode();
  let out;
  await node.run(async (ctx) => {
    const t = ctx.newTable({ type: workload === 'scan_ordered' || workload === 'reverse_ordered' ? 'orderedSet' : 'set', access: 'public' });
    for (let i = 1; i <= ROWS; i++) t.insert([i, String(i), i % 100]);
    const spec = matchSpec().where((r) => gt(r[2], 50)).select((r) => r[1]);
    const rebuild = matchSpec().where((r) => gt(r[2], 50)).select((r) => [r[0], r[1], r[2]]);
    const rows = t.toList();
    const runAll = (fn) => {
      let n = 0;
      for (const r of rows) if (typeof fn(r) === 'string') n++;
      return n;
    };
    const run = {
      scan_set: () => t.select(spec).length,
      scan_ordered: () => t.select(spec).length,
      reverse_ordered: () => t.selectReverse(spec).length,
      replace_set: () => t.selectReplace(rebuild),
      scan_predicate: () => t.select((r) => r[2] > 50).map((r) => r[1]).length,
      run_compiled: () => runAll(spec.compile(0).run),
      run_interpreted: () => runAll(spec.interpret().run),
      bound_set: () => {
        let n = 0;
        for (let i = 1; i <= ROWS; i++) n += t.select(matchSpec().match([i, _, _]).select((r) => r[1])).length;
        return n;
      },
    }[workload];
    const once = () => {
      const reps = workload === 'bound_set' ? 1 : 20;
      const t0 = performance.now();
      let n = 0;
      for (let k = 0; k < reps; k++) n += run();
      return { ns: ((performance.now() - t0) * 1e6) / (reps * ROWS), matches: n / reps };
    };
    once();
    const runs = Array.from({ length: 5 }, once).sort((a, b) => a.ns - b.ns);
    out = { ns: runs[0].ns, median_ns: runs[2].ns, matches: runs[0].matches };
  });
  node.shutdown();
  return out;
}

function runOtp(workload) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), workload], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`tables ${workload} failed: ${r.stderr || r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function runBeam(workload) {
  const r = spawnSync('erl', ['+S', '1', '-noshell', '-pa', work, '-run', 'bench_tables', 'main', workload], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`erl ${workload} failed: ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const ns = (r) => (r === undefined ? '–' : `${r.ns.toFixed(1)} / ${r.median_ns.toFixed(1)}`);

/** Runs the table workloads on both sides and writes their section of bench/RESULTS.md. */
export async function runTables() {
  const otp = ensureErlang();
  if (otp) {
    mkdirSync(work, { recursive: true });
    const c = spawnSync('erlc', ['-o', work, join(here, 'bench_tables.erl')], { encoding: 'utf8' });
    if (c.status !== 0) throw new Error(`erlc failed: ${c.stderr}`);
  }
  const lines = [
    '## runtime-tables',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}, Erlang/OTP ${otp ?? 'not available'} with \`+S 1\`.`,
    'Command: `node bench/runtime/tables.mjs` (also run at the end of `npm run bench -- runtime`). Rows `[id, name, age]` (`{Id, Name, Age}` on the BEAM), age = id mod 100, so the guard keeps 49%. The table is not written between selects, so an orderedSet scan walks the array of records in key order that an earlier scan kept (the second scan without a write between gathers it, a write drops it; a scan without it costs about 2× the figure, as one hash lookup per key). Each cell is best / median of 5 runs after a warm-up, each side in its own OS process; lower is better. The machine is shared and noisy: compare within this table.',
    '',
    '| workload | otp-ts (best / median) | BEAM +S 1 (best / median) | BEAM / otp-ts (best) |',
    '| --- | ---: | ---: | ---: |',
  ];
  for (const w of WORKLOADS) {
    process.stdout.write(`  ${w.id}… `);
    const o = runOtp(w.id);
    const b = otp && !w.otpOnly ? runBeam(w.id) : undefined;
    if (b !== undefined && b.matches !== o.matches) throw new Error(`${w.id}: otp-ts found ${o.matches} rows, the BEAM ${b.matches}`);
    console.log(`${o.ns.toFixed(1)} ns${b ? ` (BEAM ${b.ns.toFixed(1)} ns)` : ''}`);
    lines.push(`| ${w.title} | ${ns(o)} | ${ns(b)} | ${b ? `${(b.ns / o.ns).toFixed(2)}×` : '–'} |`);
  }
  const file = writeSection('runtime-tables', lines.join('\n'));
  console.log(`tables bench: wrote ${file}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const workload = process.argv[2];
  if (workload === undefined) await runTables();
  else console.log(JSON.stringify(await measure(workload)));
}
