// Trace workloads. Usage: node otp.mjs RUNTIME_BUNDLE WORKLOAD  (prints one JSON line: the best of 5 runs)
// The runtime is passed as a bundle so the same workload runs on the runtime before the trace hooks and now.
import { transformSync } from 'esbuild';
import { pathToFileURL } from 'node:url';
import { pingpong as sharedPingpong } from '../lib/pingpong.mjs';

const [bundle, workload] = process.argv.slice(2);
const rt = await import(pathToFileURL(bundle).href);
const now = () => performance.now();
const compile = (name, ts) => ({ name, code: transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: `/bench/${name}.ts` });

async function best(run) {
  await run(); // warm-up
  let top = 0;
  for (let i = 0; i < 5; i++) top = Math.max(top, await run());
  return top;
}

async function pingpong(node) {
  const n = 200_000;
  return n / ((await sharedPingpong(node, n)) / 1000);
}

async function setupCode(node) {
  const code = rt.codeServerOf(node, { preloaded: { '@otp-ts/runtime': rt } });
  await code.load(compile('b/math', 'export function add(a: number, b: number) { return a + b; } export function other() { return 0; }'));
  await code.load(compile('b/user', "import { add } from './math'; export function sum(n: number) { let t = 0; for (let i = 0; i < n; i++) t = add(t, i); return t; }"));
  await code.load(compile('b/srv', "import { ok, reply } from '@otp-ts/runtime'; export const srv = { init: () => ok(0), handleCall: (_r: unknown, _f: unknown, s: number) => reply(s + 1, s + 1) };"));
  return code;
}

function crossModule(code) {
  const sum = code.exportsOf('b/user').sum;
  const n = 20_000_000;
  const t0 = now();
  sum(n);
  return n / ((now() - t0) / 1000);
}

async function callLoop(node, code) {
  const n = 100_000;
  return node.run(async (ctx) => {
    const pid = await rt.genServer.start(ctx, code.exportsOf('b/srv').srv, undefined);
    const t0 = now();
    for (let i = 0; i < n; i++) await rt.genServer.call(ctx, pid, 'inc');
    const ms = now() - t0;
    await rt.genServer.stop(ctx, pid);
    return n / (ms / 1000);
  });
}

// With the trace agent (current runtime only): a session that stays on for the whole measurement.
function traced(node, patterns, extra = {}) {
  const r = rt.traceAgentOf(node).start({ patterns, timeMs: 600_000, ...extra });
  if (!r.ok) throw new Error(r.error);
  return r.session;
}

const node = rt.createNode();
const code = await setupCode(node);
const workloads = {
  pingpong: () => best(() => pingpong(node)),
  cross_module: () => best(async () => crossModule(code)),
  call_loop: () => best(() => callLoop(node, code)),
  call_loop_trace_other: () => (traced(node, ['b/math.other'], { limit: 10 }), best(() => callLoop(node, code))),
  call_loop_trace_called_limit: () => best(async () => (traced(node, ['b/srv.srv.handleCall']), callLoop(node, code))),
  call_loop_trace_called_all: () => (traced(node, ['b/srv.srv.handleCall'], { rate: { count: 1e9, ms: 1000 } }), best(() => callLoop(node, code))),
  pingpong_trace_other: () => (traced(node, ['b/math.other'], { limit: 10 }), best(() => pingpong(node))),
};
if (!workloads[workload]) {
  console.error(`unknown workload '${workload}': one of ${Object.keys(workloads).join(', ')}`);
  process.exit(2);
}
console.log(JSON.stringify({ rate: await workloads[workload]() }));
process.exit(0);
