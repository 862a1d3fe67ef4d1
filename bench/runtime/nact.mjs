// The runtime workloads on nact (the most used JavaScript actor library), where it has the feature.
// nact hands every message over through setImmediate, so the op counts are scaled down; rates compare.
// Usage: node --expose-gc nact.mjs WORKLOAD [REPS]
import nact from 'nact';
import { repeat } from './repeat.mjs';

const { start, spawnStateless, dispatch, stop } = nact;
const now = () => performance.now();
const result = (ops, ms, extra = {}) => ({ ops, us: Math.round(ms * 1000), rate: ops / (ms / 1000), ...extra });

function pingpong() {
  const n = 100_000;
  const system = start();
  return new Promise((resolve) => {
    let left = n;
    let t0;
    const pong = spawnStateless(system, (msg) => dispatch(msg.from, 'pong'));
    const ping = spawnStateless(system, (msg, ctx) => {
      if (msg === 'go') t0 = now();
      else if (--left === 0) {
        resolve(result(n, now() - t0));
        stop(system);
        return;
      }
      dispatch(pong, { from: ctx.self });
    });
    dispatch(ping, 'go');
  });
}

function fanin() {
  const senders = 100;
  const each = 1000;
  const system = start();
  return new Promise((resolve) => {
    let left = senders * each;
    const t0 = now();
    const sink = spawnStateless(system, () => {
      if (--left === 0) {
        resolve(result(senders * each, now() - t0));
        stop(system);
      }
    });
    for (let s = 0; s < senders; s++) {
      const sender = spawnStateless(system, () => {
        for (let i = 0; i < each; i++) dispatch(sink, 'msg');
      });
      dispatch(sender, 'go');
    }
  });
}

function ring() {
  const size = 10_000;
  const laps = 5;
  const system = start();
  return new Promise((resolve) => {
    let t0;
    let first;
    const home = spawnStateless(system, (t) => {
      if (t === 0) {
        resolve(result(size * laps, now() - t0));
        stop(system);
      } else dispatch(first, t - 1);
    });
    let next = home;
    for (let i = 0; i < size; i++) {
      const to = next;
      next = spawnStateless(system, (t) => dispatch(to, t), `ring-${i}`);
    }
    first = next;
    t0 = now();
    dispatch(first, laps - 1);
  });
}

async function spawnIdle(n) {
  const system = start();
  globalThis.gc();
  const m0 = process.memoryUsage().heapUsed;
  const t0 = now();
  const actors = new Array(n);
  for (let i = 0; i < n; i++) actors[i] = spawnStateless(system, () => {}, `idle-${i}`);
  const ms = now() - t0;
  globalThis.gc();
  const m1 = process.memoryUsage().heapUsed;
  const bytes = (m1 - m0 - n * 8) / n;
  const t1 = now();
  for (let i = 0; i < n; i++) stop(actors[i]);
  const killMs = now() - t1;
  stop(system);
  return result(n, ms, { bytes_per_process: bytes, kill_rate: n / (killMs / 1000) });
}

const workloads = { pingpong, fanin, ring, spawn_100k: () => spawnIdle(100_000) };
const workload = process.argv[2];
if (!workloads[workload]) {
  console.error(`unknown workload '${workload}': one of ${Object.keys(workloads).join(', ')}`);
  process.exit(2);
}
console.log(JSON.stringify(await repeat(workloads[workload], workload.startsWith('spawn') ? 1 : Number(process.argv[3] ?? 3))));
process.exit(0);
