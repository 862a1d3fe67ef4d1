// What copying the states costs an upgrade. Usage: node --expose-gc protect.mjs RUNTIME_BUNDLE N SHAPE  (one JSON line:
// the best of 5 upgrades after a warm-up, wall and CPU time). The runtime is a bundle, so the same upgrade runs on the runtime
// before codeChange got a copy of the state and now. SHAPE: `small` ({ count }) or `rich` (a Map of 16 records).
import { transformSync } from 'esbuild';
import { pathToFileURL } from 'node:url';

const [bundle, count, shape] = process.argv.slice(2);
const rt = await import(pathToFileURL(bundle).href);
const n = Number(count);
const now = () => performance.now();
const compile = (name, ts, vsn) => ({ name, code: transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: `/bench/${name}.ts`, vsn });

const init = {
  small: '({ count: 0 })',
  // About 1 KB: the kind of state a session or cart server holds.
  rich: "({ owner: 'ann', since: new Date(0), items: new Map(Array.from({ length: 16 }, (_, i) => [`sku-${i}`, { sku: `sku-${i}`, qty: i, tags: ['a', 'b'] }])) })",
}[shape];
if (init === undefined) throw new Error(`unknown shape '${shape}': small or rich`);
const v1 = `import { ok, reply } from '@otp-ts/runtime'; export const srv = { init: () => ok(${init}), handleCall: (_r: unknown, _f: unknown, s: unknown) => reply(s, s) };`;
const v2 = v1.replace('handleCall:', 'codeChange: (_o: unknown, s: any) => { s.migrated = true; return s; },\n handleCall:');

async function once() {
  const node = rt.createNode();
  rt.loggerOf(node).setLevel('emergency');
  const code = rt.codeServerOf(node, { preloaded: { '@otp-ts/runtime': rt } });
  await code.load(compile('b/srv', v1, '1'));
  try {
    return await node.run(async (ctx) => {
      for (let i = 0; i < n; i++) await rt.genServer.start(ctx, code.exportsOf('b/srv').srv, undefined);
      const next = compile('b/srv', v2, '2');
      globalThis.gc?.();
      const t0 = now();
      const cpu0 = process.cpuUsage();
      const report = await rt.upgradeModules(ctx, code, [next]);
      const cpu = process.cpuUsage(cpu0);
      const ms = now() - t0;
      if (report.processes.length !== n) throw new Error(`upgraded ${report.processes.length} of ${n}`);
      return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
    });
  } finally {
    node.shutdown();
  }
}

await once();
let best = Infinity;
let bestCpu = Infinity;
for (let i = 0; i < 5; i++) {
  const { ms, cpuMs } = await once();
  best = Math.min(best, ms);
  bestCpu = Math.min(bestCpu, cpuMs);
}
// Wall time, and the CPU time of this process (less disturbed when the machine is shared).
console.log(JSON.stringify({ ops: n, ms: best, cpu_ms: bestCpu }));
process.exit(0);
