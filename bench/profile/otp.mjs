// Profile workloads. Usage: node otp.mjs RUNTIME_BUNDLE WORKLOAD [DIR] [SECOND_BUNDLE]  (prints one JSON line)
// The runtime is passed as a bundle so the same loop runs on the runtime without the scheduler's timing hook and with it.
import { statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Session } from 'node:inspector/promises';
import { pingpong as sharedPingpong } from '../lib/pingpong.mjs';

const [bundle, workload, dir] = process.argv.slice(2);
const rt = await import(pathToFileURL(bundle).href);
const now = () => performance.now();
const N = 100_000;

async function best(run) {
  await run(); // warm-up
  let top = 0;
  for (let i = 0; i < 5; i++) top = Math.max(top, await run());
  return top;
}

const server = { init: () => rt.ok(0), handleCall: (_r, _f, s) => rt.reply(s + 1, s + 1) };

function callLoop(node) {
  return node.run(async (ctx) => {
    const pid = await rt.genServer.start(ctx, server, undefined);
    const t0 = now();
    for (let i = 0; i < N; i++) await rt.genServer.call(ctx, pid, 'inc');
    const ms = now() - t0;
    await rt.genServer.stop(ctx, pid);
    return N / (ms / 1000);
  });
}

// A profile as otp profile takes it (the node's own inspector, sampling every 1 ms, and the scheduler's
// process timer), left running for the whole measurement and stopped as a client's nodedown stops it.
async function withProfile(node, body) {
  const m = rt.profileRpcModule(node);
  let profiler;
  const done = new Promise((resolve) => {
    profiler = node.spawn(async (ctx) => resolve(await m.run(ctx, 290_000, 'bench@nohost', 1000)));
  });
  // The profile is on once the scheduler's timer is installed: wait for the profiler's first receive.
  while (node.processInfo(profiler)?.status !== 'waiting') await new Promise((r) => setTimeout(r, 5));
  try {
    return await body();
  } finally {
    node.send(profiler, new rt.NodeDown('bench@nohost', 'done'));
    await done;
  }
}

// The inspector's sampling alone, without the scheduler's timer: the share of the sampler in the overhead.
async function withSamplerOnly(body) {
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.setSamplingInterval', { interval: 1000 });
  await s.post('Profiler.start');
  try {
    return await body();
  } finally {
    await s.post('Profiler.stop');
    s.disconnect();
  }
}

function crashDump(maxBytes) {
  const node = rt.createNode();
  rt.loggerOf(node).setLevel('emergency');
  for (let i = 0; i < 100_000; i++) node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'never')));
  return new Promise((resolve) =>
    setImmediate(() => {
      const file = join(dir, `bench-${maxBytes}.dump`);
      const dumper = rt.installCrashDump(node, { file, maxBytes });
      const t0 = now();
      dumper.write('other', new Error('bench'));
      const ms = now() - t0;
      const bytes = statSync(file).size;
      dumper.uninstall();
      rmSync(file, { force: true });
      node.shutdown();
      resolve({ ms, bytes });
    }),
  );
}

// The two runtimes in this one process, in short alternating rounds (each first in every other round), so
// both meet the same load: the median of the rounds' ratios of rates (second runtime / first).
async function ab(other, round, rounds = 30) {
  const nodes = [rt, other].map((r) => {
    const n = r.createNode();
    r.loggerOf(n).setLevel('emergency');
    return n;
  });
  for (let w = 0; w < 3; w++) for (const [i, n] of nodes.entries()) await round([rt, other][i], n);
  const ratios = [];
  const best = [0, 0];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    const rate = [0, 0];
    for (const i of order) rate[i] = await round([rt, other][i], nodes[i]);
    for (const i of [0, 1]) best[i] = Math.max(best[i], rate[i]);
    ratios.push(rate[1] / rate[0]);
  }
  ratios.sort((x, y) => x - y);
  return { first: best[0], second: best[1], median: ratios[Math.floor(rounds / 2)], low: ratios[Math.floor(rounds / 4)], high: ratios[Math.floor((3 * rounds) / 4)] };
}

const abCalls = (r, n) =>
  n.run(async (ctx) => {
    const srv = { init: () => r.ok(0), handleCall: (_q, _f, s) => r.reply(s + 1, s + 1) };
    const pid = await r.genServer.start(ctx, srv, undefined);
    const calls = 20_000;
    const t0 = now();
    for (let i = 0; i < calls; i++) await r.genServer.call(ctx, pid, 'inc');
    const ms = now() - t0;
    await r.genServer.stop(ctx, pid);
    return calls / (ms / 1000);
  });
const abPingpong = async (_r, n) => 50_000 / ((await sharedPingpong(n, 50_000)) / 1000);

const node = rt.createNode();
rt.loggerOf(node).setLevel('emergency');
let out;
switch (workload) {
  case 'ab_call_loop':
    out = await ab(await import(pathToFileURL(process.argv[5]).href), abCalls);
    break;
  case 'ab_pingpong':
    out = await ab(await import(pathToFileURL(process.argv[5]).href), abPingpong);
    break;
  case 'call_loop':
    out = { rate: await best(() => callLoop(node)) };
    break;
  case 'pingpong':
    out = { rate: await best(async () => 200_000 / ((await sharedPingpong(node, 200_000)) / 1000)) };
    break;
  case 'call_loop_profiled':
    out = { rate: await withProfile(node, () => best(() => callLoop(node))) };
    break;
  case 'call_loop_sampler':
    out = { rate: await withSamplerOnly(() => best(() => callLoop(node))) };
    break;
  case 'dump_default':
    out = await crashDump(32 * 1024 * 1024);
    break;
  case 'dump_2mb':
    out = await crashDump(2_000_000);
    break;
  default:
    throw new Error(`unknown workload ${workload}`);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
