// The runtime workloads on otp-ts. Usage: node --expose-gc otp.mjs WORKLOAD [REPS]
// Prints one JSON line: the best of REPS runs (after one warm-up run) and the median.
// OTP_RUNTIME: a bundle of another version of the runtime (run.mjs's --before), else the built package.
const { createNode } = await import(process.env.OTP_RUNTIME ?? '@otp-ts/runtime');
import { repeat } from './repeat.mjs';
import { pingpong as sharedPingpong } from '../lib/pingpong.mjs';

const workload = process.argv[2];
const node = createNode();
const now = () => performance.now();
const result = (ops, ms, extra = {}) => ({ ops, us: Math.round(ms * 1000), rate: ops / (ms / 1000), ...extra });

async function spawnIdle(n) {
  const idle = async (ctx) => {
    await ctx.receive();
  };
  let out;
  await node.run(async (ctx) => {
    globalThis.gc();
    const m0 = process.memoryUsage().heapUsed;
    const t0 = now();
    const pids = new Array(n);
    for (let i = 0; i < n; i++) pids[i] = ctx.spawn(idle);
    const spawnMs = now() - t0;
    await ctx.sleep(0); // let every body start and park in its receive
    await new Promise((r) => setImmediate(r));
    globalThis.gc();
    const m1 = process.memoryUsage().heapUsed;
    const listBytes = n * 8 + 16; // the pids array itself
    const t1 = now();
    for (let i = 0; i < n; i++) ctx.exit(pids[i], 'kill');
    const killMs = now() - t1;
    out = result(n, spawnMs, { bytes_per_process: (m1 - m0 - listBytes) / n, kill_rate: n / (killMs / 1000), alive_after_kill: node.processCount - 1 });
  });
  return out;
}

async function pingpong() {
  const n = 1_000_000;
  return result(n, await sharedPingpong(node, n));
}

async function fanin() {
  const senders = 100;
  const each = 10_000;
  return node.run(async (ctx) => {
    const me = ctx.self();
    const t0 = now();
    for (let s = 0; s < senders; s++) {
      ctx.spawn(async (c) => {
        for (let i = 0; i < each; i++) c.send(me, 'msg');
      });
    }
    for (let i = 0; i < senders * each; i++) await ctx.receive();
    return result(senders * each, now() - t0);
  });
}

async function ring() {
  const size = 10_000;
  const laps = 100;
  return node.run(async (ctx) => {
    const me = ctx.self();
    let next = me;
    for (let i = 0; i < size; i++) {
      const to = next;
      next = ctx.spawn(async (c) => {
        for (;;) {
          const t = await c.receive();
          c.send(to, t);
          if (t === 0) return;
        }
      });
    }
    const first = next;
    await ctx.sleep(0);
    const t0 = now();
    ctx.send(first, laps);
    for (;;) {
      const t = await ctx.receive();
      if (t === 0) break;
      ctx.send(first, t - 1);
    }
    return result(size * laps, now() - t0);
  });
}

async function selective() {
  const backlog = 10_000;
  const rounds = 1000;
  return node.run(async (ctx) => {
    const me = ctx.self();
    for (let i = 1; i <= backlog; i++) ctx.send(me, { noise: i });
    const t0 = now();
    for (let n = rounds; n > 0; n--) {
      ctx.send(me, { wanted: n });
      await ctx.receive((m) => m.wanted === n);
    }
    return result(rounds, now() - t0, { backlog });
  });
}

const workloads = {
  spawn_100k: () => spawnIdle(100_000),
  spawn_1m: () => spawnIdle(1_000_000),
  pingpong,
  fanin,
  ring,
  selective,
};
if (!workloads[workload]) {
  console.error(`unknown workload '${workload}': one of ${Object.keys(workloads).join(', ')}`);
  process.exit(2);
}
console.log(JSON.stringify(await repeat(workloads[workload], workload.startsWith('spawn') ? 1 : Number(process.argv[3] ?? 5))));
node.shutdown();
