// The code suite: a cross-module call through the code server against a direct call, heap over 100
// loads, and the time to upgrade 1k and 10k suspended gen_servers beside OTP's sys:suspend/change_code/resume.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureErlang } from '../erlang.mjs';
import { writeSection } from '../results.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = join(root, 'bench', '.work');
/** Fresh OS processes per side for the upgrade rows, alternating between otp-ts and the BEAM. */
const UPGRADE_PAIRS = 5;
/** Runtimes per side for the upgrades again in the same runtime, alternating. */
const AGAIN_PAIRS = 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** The last commit before codeChange got a copy of the state: the baseline of the protection's cost. */
const PROTECT_BASELINE = '2bd0565';

function otp(workload) {
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, 'otp.mjs'), workload], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`otp.mjs ${workload} failed: ${r.stderr || r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function beam(n, rounds, idle) {
  const extra = idle ? ['idle', String(idle)] : rounds ? [String(rounds)] : [];
  const r = spawnSync('erl', ['+S', '1', '+P', '1000000', '-noshell', '-pa', work, '-run', 'bench_code', 'main', String(n), ...extra], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`erl bench_code ${n} failed: ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function bundle(srcRoot, out) {
  buildSync({ entryPoints: [join(srcRoot, 'packages', 'runtime', 'src', 'index.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'error' });
  return out;
}

function upgradeMs(runtime, n, shape) {
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, 'protect.mjs'), runtime, String(n), shape], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`protect.mjs ${n} ${shape} failed: ${r.stderr || r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** The upgrade on the runtime before the state copy and now, alternating runs (best of 3, each the best of 5): table rows. */
export function protectionRows() {
  const dir = join(work, 'protect');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'baseline'), { recursive: true });
  execFileSync('sh', ['-c', `git -C "${root}" archive ${PROTECT_BASELINE} packages/runtime | tar -x -C "${join(dir, 'baseline')}"`]);
  const before = bundle(join(dir, 'baseline'), join(dir, 'runtime-before.mjs'));
  const after = bundle(root, join(dir, 'runtime-now.mjs'));
  const rows = [];
  for (const [shape, label] of [['small', '`{ count }`'], ['rich', 'a Map of 16 records (~1 KB)']]) {
    for (const n of [1000, 10_000]) {
      const b = { ms: Infinity, cpu_ms: Infinity };
      const a = { ms: Infinity, cpu_ms: Infinity };
      for (let i = 0; i < 3; i++) {
        for (const [side, runtime] of [[b, before], [a, after]]) {
          const r = upgradeMs(runtime, n, shape);
          side.ms = Math.min(side.ms, r.ms);
          side.cpu_ms = Math.min(side.cpu_ms, r.cpu_ms);
        }
      }
      const cost = a.cpu_ms - b.cpu_ms;
      console.log(`  upgrade ${n} gen_servers holding ${shape} states: ${b.ms.toFixed(1)} ms (CPU ${b.cpu_ms.toFixed(1)} ms) before the copy, ${a.ms.toFixed(1)} ms (CPU ${a.cpu_ms.toFixed(1)} ms) now`);
      rows.push(`| upgrade ${n.toLocaleString('en')} gen_servers, each state ${label} | ${b.ms.toFixed(1)} ms / ${b.cpu_ms.toFixed(1)} ms | ${a.ms.toFixed(1)} ms / ${a.cpu_ms.toFixed(1)} ms | ${cost >= 0 ? '+' : ''}${cost.toFixed(1)} ms (${((cost * 1000) / n).toFixed(1)} µs a process) |`);
    }
  }
  return rows;
}

/** Runs the suite and writes its section of bench/RESULTS.md. */
export async function run() {
  const load = loadavg()[0];
  console.log('code bench: building otp-ts…');
  spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
  const release = ensureErlang();
  if (release) {
    mkdirSync(work, { recursive: true });
    spawnSync('erlc', ['-o', work, join(here, 'bench_code.erl')], { stdio: 'inherit' });
  }
  const call = otp('cross_module_call');
  console.log(`  cross-module call: ${call.table_ns_per_call.toFixed(2)} ns through the export table, ${call.direct_ns_per_call.toFixed(2)} ns direct`);
  const heap = otp('heap_over_loads');
  console.log(`  heap after 10 loads ${heap.heap_after_10} B, after 100 loads ${heap.heap_after_100} B`);
  const c = spawnSync(process.execPath, [join(here, 'compile.mjs')], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  if (c.status !== 0) throw new Error(`compile.mjs failed: ${c.stderr}`);
  const comp = JSON.parse(c.stdout.trim().split('\n').pop());
  console.log(`  compile ${comp.modules} modules: ${comp.cold_ms} ms cold, ${comp.no_change_ms} ms with nothing changed; tsc ${comp.tsc_ms} ms`);
  const rows = [];
  // The summary's rows (bench/results.mjs): issue 20's goal, an upgrade's time otp-ts / BEAM at most 1.
  const ratios = [];
  for (const n of [1000, 10_000]) {
    // Each side upgrades once in a fresh OS process (a cold runtime, as a node's first upgrade); UPGRADE_PAIRS such
    // processes alternate between the runtimes, and each side's median is kept.
    // A third run a round, the otp-ts upgrade without the collection before it (`_young`): the servers just
    // started are still in V8's young generation, and the upgrade's first scavenge promotes them.
    const os = [];
    const ys = [];
    const bs = [];
    for (let i = 0; i < UPGRADE_PAIRS; i++) {
      os.push(otp(n === 1000 ? 'upgrade_1k' : 'upgrade_10k').us / 1000);
      if (release) bs.push(beam(n).us / 1000);
      ys.push(otp(n === 1000 ? 'upgrade_1k_young' : 'upgrade_10k_young').us / 1000);
    }
    const o = median(os);
    const y = median(ys);
    const b = release ? median(bs) : undefined;
    console.log(`  upgrade ${n} gen_servers: otp-ts ${os.map((x) => x.toFixed(1)).join(', ')} ms (set-up not collected: ${ys.map((x) => x.toFixed(1)).join(', ')} ms)${b ? `; BEAM ${bs.map((x) => x.toFixed(1)).join(', ')} ms` : ''}`);
    if (b) ratios.push({ measure: `upgrade ${n.toLocaleString('en')} gen_servers, time: otp-ts / BEAM`, value: o / b, goal: '<= 1', source: 'issue 20' });
    rows.push(`| upgrade ${n.toLocaleString('en')} suspended gen_servers (suspend, codeChange, resume), a fresh runtime's first, median of ${UPGRADE_PAIRS} | ${o.toFixed(1)} ms | ${b ? `${b.toFixed(1)} ms` : '–'} | ${b ? `${(b / o).toFixed(2)}×` : '–'} |`);
    rows.push(`| the same, the set-up's garbage not collected first (the upgrade's first scavenge promotes the ${n.toLocaleString('en')} servers just started), median of ${UPGRADE_PAIRS} | ${y.toFixed(1)} ms | ${b ? `${b.toFixed(1)} ms` : '–'} | ${b ? `${(b / y).toFixed(2)}×` : '–'} |`);
  }
  {
    // The upgrade of 1,000 servers on a node that also runs 100,000 idle processes it does not touch: what the node's
    // other processes add to the upgrade (otp-ts looks each over once, CodeServer.census; the BEAM's sys calls go to
    // the servers alone).
    const os = [];
    const bs = [];
    for (let i = 0; i < UPGRADE_PAIRS; i++) {
      os.push(otp('upgrade_1k_beside_100k').us / 1000);
      if (release) bs.push(beam(1000, undefined, 100_000).us / 1000);
    }
    const o = median(os);
    const b = release ? median(bs) : undefined;
    console.log(`  upgrade 1000 gen_servers beside 100k idle processes: otp-ts ${os.map((x) => x.toFixed(1)).join(', ')} ms${b ? `; BEAM ${bs.map((x) => x.toFixed(1)).join(', ')} ms` : ''}`);
    rows.push(`| upgrade 1,000 suspended gen_servers on a node that also runs 100,000 idle processes, a fresh runtime's first, median of ${UPGRADE_PAIRS} | ${o.toFixed(1)} ms | ${b ? `${b.toFixed(1)} ms` : '–'} | ${b ? `${(b / o).toFixed(2)}×` : '–'} |`);
  }
  for (const n of [1000, 10_000]) {
    // Five upgrades of the same servers in one runtime: rounds 2 to 5 run code the first one warmed. AGAIN_PAIRS
    // such runtimes a side, alternating (one a side swung 2× between runs on a shared machine): the median of
    // each one's upgrades 2–5, then the median of those.
    const os = [];
    const bs = [];
    for (let i = 0; i < AGAIN_PAIRS; i++) {
      const o = otp(n === 1000 ? 'upgrade_1k_rounds' : 'upgrade_10k_rounds').rounds.map((us) => us / 1000);
      const b = release ? beam(n, 5).rounds.map((us) => us / 1000) : undefined;
      console.log(`  upgrade ${n} gen_servers 5 times in one runtime: otp-ts ${o.map((x) => x.toFixed(1)).join(', ')} ms${b ? `; BEAM ${b.map((x) => x.toFixed(1)).join(', ')} ms` : ''}`);
      os.push(median(o.slice(1)));
      if (b) bs.push(median(b.slice(1)));
    }
    const ow = median(os);
    const bw = release ? median(bs) : undefined;
    if (bw) ratios.push({ measure: `upgrade ${n.toLocaleString('en')} gen_servers again in the same runtime, time: otp-ts / BEAM`, value: ow / bw, goal: '<= 1', source: 'issue 20' });
    rows.push(`| upgrade ${n.toLocaleString('en')} gen_servers again in the same runtime, median of upgrades 2–5, median of ${AGAIN_PAIRS} runtimes | ${ow.toFixed(1)} ms | ${bw ? `${bw.toFixed(1)} ms` : '–'} | ${bw ? `${(bw / ow).toFixed(2)}×` : '–'} |`);
  }
  {
    // Twenty upgrades of the same servers in one runtime, the median of upgrades 11–20: by then V8 has compiled the
    // upgrade path with its optimizing compiler, whose compiles fall inside upgrades 2–5 (the row above).
    const os = [];
    const bs = [];
    for (let i = 0; i < AGAIN_PAIRS; i++) {
      const o = otp('upgrade_1k_rounds20').rounds.map((us) => us / 1000);
      const b = release ? beam(1000, 20).rounds.map((us) => us / 1000) : undefined;
      console.log(`  upgrade 1000 gen_servers 20 times in one runtime: otp-ts ${o.map((x) => x.toFixed(1)).join(', ')} ms${b ? `; BEAM ${b.map((x) => x.toFixed(1)).join(', ')} ms` : ''}`);
      os.push(median(o.slice(10)));
      if (b) bs.push(median(b.slice(10)));
    }
    const ow = median(os);
    const bw = release ? median(bs) : undefined;
    rows.push(`| upgrade 1,000 gen_servers again once V8 has optimized the upgrade path, median of upgrades 11–20, median of ${AGAIN_PAIRS} runtimes | ${ow.toFixed(1)} ms | ${bw ? `${bw.toFixed(1)} ms` : '–'} | ${bw ? `${(bw / ow).toFixed(2)}×` : '–'} |`);
  }
  const lines = [
    '## code',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${load.toFixed(1)} at the start), Node.js ${process.version}, Erlang/OTP ${release ?? 'not available'} with \`+S 1\`. Command: \`npm run bench -- code\`.`,
    '',
    `- Cross-module call through a module's export table: ${call.table_ns_per_call.toFixed(2)} ns per call against ${call.direct_ns_per_call.toFixed(2)} ns for a direct call (${(call.table_ns_per_call / call.direct_ns_per_call).toFixed(2)}×; ${call.ops.toLocaleString('en')} calls).`,
    `- Compiling a generated ${comp.modules}-module application: ${comp.cold_ms} ms from scratch, ${comp.no_change_ms} ms when nothing changed; \`tsc\` type-checks the same sources in ${comp.tsc_ms} ms (${(comp.tsc_ms / comp.cold_ms).toFixed(1)}× the cold compile).`,
    `- Heap over 100 successive loads of a module holding ~1 MB, each old version purged: ${(heap.heap_after_10 / 2 ** 20).toFixed(2)} MB after 10 loads, ${(heap.heap_after_100 / 2 ** 20).toFixed(2)} MB after 100 (growth ${(heap.growth_bytes / 1024).toFixed(0)} KB: flat).`,
    '',
    '| upgrade | otp-ts | BEAM +S 1 | speed otp-ts / BEAM |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
    '',
    `Speed is BEAM time / otp-ts time: above 1× otp-ts is faster. Before a fresh runtime's first upgrade the set-up's garbage is collected (\`gc()\`): a node's processes are old by the time it upgrades them, where the bench's were started a moment before and sit in V8's young generation, whose next scavenge (inside the upgrade) copies them all; the row after each shows that case. otp-ts migrates a gen_server waiting at rest in its loop in the turn that swaps the code (docs/architecture.md, "Upgrading many processes"); the BEAM suspends, changes and resumes each through sys, as OTP's release handler does. Upgrades 2–5 of 1,000 servers pay V8's optimizing compiles of the upgrade path (\`node --trace-opt\` shows about 30 functions compiled in them, the copier's and the migration's): run with \`--no-opt\` they cost less CPU than with it, and once compiled (upgrades 11–20) an upgrade of 1,000 servers takes a fraction of its first.`,
    '',
    `The upgrade on the runtime at ${PROTECT_BASELINE} (before codeChange got a copy of each state, and before the direct migration) against the runtime now (a copy, made at the check stage, then the direct migration), both bundled the same way, best of 3 alternating runs each the best of 5 after a warm-up. Wall time, then the upgrading OS process's CPU time, which a shared machine disturbs less. The difference is the copy's cost less what the direct migration saved.`,
    '',
    '| upgrade (suspend, copy, codeChange, resume) | before the copy (wall / CPU) | now (wall / CPU) | difference (CPU) |',
    '| --- | ---: | ---: | ---: |',
    ...protectionRows(),
  ];
  console.log(`code bench: wrote ${writeSection('code', lines.join('\n'), ratios)}`);
}
