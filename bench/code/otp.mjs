// Code server workloads on otp-ts. Usage: node --expose-gc otp.mjs WORKLOAD [N]  (prints one JSON line)
// (upgrade_10k_alloc is run by hand, not by run.mjs: `node --expose-gc bench/code/otp.mjs upgrade_10k_alloc`.)
import { transformSync } from 'esbuild';
import { allocationSampler } from '../lib/alloc.mjs';
import { createNode, codeServerOf, genServer, upgradeModules, loggerOf } from '@otp-ts/runtime';

const now = () => performance.now();
const compile = (name, ts, vsn) => ({ name, code: transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: `/bench/${name}.ts`, vsn });

async function crossModuleCall() {
  const node = createNode();
  const code = codeServerOf(node);
  await code.load(compile('b/math', 'export function add(a: number, b: number) { return a + b; }'));
  await code.load(compile('b/user', "import { add } from './math'; export function sum(n: number) { let t = 0; for (let i = 0; i < n; i++) t = add(t, i); return t; }"));
  const viaTable = code.exportsOf('b/user').sum;
  const add = (a, b) => a + b;
  const direct = (n) => { let t = 0; for (let i = 0; i < n; i++) t = add(t, i); return t; };
  const n = 50_000_000;
  for (let r = 0; r < 3; r++) { viaTable(1e6); direct(1e6); }
  let t0 = now(); const a = viaTable(n); const tableMs = now() - t0;
  t0 = now(); const b = direct(n); const directMs = now() - t0;
  if (a !== b) throw new Error('mismatch');
  return { ops: n, table_ns_per_call: (tableMs * 1e6) / n, direct_ns_per_call: (directMs * 1e6) / n };
}

async function heapOverLoads() {
  const node = createNode();
  const code = codeServerOf(node);
  const big = (i) => compile('b/big', `export const table = Array.from({ length: 20000 }, (_, k) => 'v${i}-' + k); export function get(k: number) { return table[k]; }`, String(i));
  const samples = [];
  for (let i = 0; i < 100; i++) {
    await code.load(big(i));
    code.purge('b/big');
    if (i % 10 === 9) { globalThis.gc(); samples.push(process.memoryUsage().heapUsed); }
  }
  return { ops: 100, heap_after_10: samples[0], heap_after_100: samples[samples.length - 1], growth_bytes: samples[samples.length - 1] - samples[0] };
}

// Upgrades n gen_servers `rounds` times in one node (each round a new version whose codeChange adds to the
// state); µs of each, in order. The first is a cold runtime's; the later ones run the upgrade's code warm.
// `collect`: a full collection before the first upgrade, so that it does not also pay for promoting the servers
// the set-up just started out of V8's young generation (a node's processes are old by the time it upgrades them).
// `idle`: plain processes started first, waiting in a receive, that the upgrade does not touch (a node's other work).
async function upgrade(n, rounds = 1, collect = true, sample = undefined, idle = 0) {
  const node = createNode();
  loggerOf(node).setLevel('emergency');
  const code = codeServerOf(node);
  const v1 = "import { ok, reply } from '@otp-ts/runtime'; export const srv = { init: () => ok({ count: 0 }), handleCall: (_r: unknown, _f: unknown, s: unknown) => reply(s, s) };";
  const v2 = (round) => `import { ok, reply } from '@otp-ts/runtime'; export const srv = { init: () => ok({ count: 0 }), handleCall: (_r: unknown, _f: unknown, s: unknown) => reply(s, s), codeChange: (_o: unknown, s: object) => ({ ...s, history: [] }) }; // round ${round}`;
  await code.load(compile('b/srv', v1, '1'));
  return node.run(async (ctx) => {
    for (let i = 0; i < idle; i++) ctx.spawn((c) => c.receive());
    for (let i = 0; i < n; i++) await genServer.start(ctx, code.exportsOf('b/srv').srv, undefined);
    const us = [];
    for (let r = 0; r < rounds; r++) {
      // The new version is compiled beforehand (the compiler's job, as erlc's is on the BEAM side); the
      // upgrade evaluates it, suspends, migrates and resumes.
      const next = compile('b/srv', v2(r), String(r + 2));
      if (r === 0 && collect) globalThis.gc();
      const t0 = now();
      if (sample) await sample.start();
      const report = await upgradeModules(ctx, code, [next]);
      us.push(Math.round((now() - t0) * 1000));
      if (sample) return { ops: n, ...(await sample.stop()) };
      if (report.processes.length !== n) throw new Error(`upgraded ${report.processes.length} of ${n}`);
    }
    return { ops: n, us: us[0], rate: n / (us[0] / 1e6), rounds: us };
  });
}

// upgrade_10k_alloc: what a fresh runtime's first upgrade of 10,000 gen_servers allocates, garbage included, over the
// upgrade alone, and its top allocating functions (bench/lib/alloc.mjs).
const workloads = { upgrade_10k_alloc: () => upgrade(10_000, 1, true, allocationSampler()), cross_module_call: crossModuleCall, heap_over_loads: heapOverLoads, upgrade_1k: () => upgrade(1000), upgrade_10k: () => upgrade(10_000), upgrade_1k_young: () => upgrade(1000, 1, false), upgrade_1k_beside_100k: () => upgrade(1000, 1, true, undefined, 100_000), upgrade_10k_young: () => upgrade(10_000, 1, false), upgrade_1k_rounds: () => upgrade(1000, 5), upgrade_1k_rounds20: () => upgrade(1000, 20), upgrade_10k_rounds: () => upgrade(10_000, 5) };
const w = process.argv[2];
if (!workloads[w]) { console.error(`unknown workload '${w}': one of ${Object.keys(workloads).join(', ')}`); process.exit(2); }
console.log(JSON.stringify(await workloads[w]()));
process.exit(0);
