// The physical limit: the same workloads as bare promise hand-offs between async loops, no runtime.
// Usage: node --expose-gc bare.mjs WORKLOAD [REPS]
import { repeat } from './repeat.mjs';

const now = () => performance.now();
const result = (ops, ms, extra = {}) => ({ ops, us: Math.round(ms * 1000), rate: ops / (ms / 1000), ...extra });

/** A one-slot channel: `take` awaits the next value `put` hands over. */
class Slot {
  resolve = null;
  queue = [];
  head = 0;
  put(v) {
    if (this.resolve) {
      const r = this.resolve;
      this.resolve = null;
      r(v);
    } else this.queue.push(v);
  }
  take() {
    if (this.head < this.queue.length) {
      const v = this.queue[this.head++];
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      return Promise.resolve(v);
    }
    return new Promise((r) => (this.resolve = r));
  }
}

async function pingpong() {
  const n = 1_000_000;
  const a = new Slot();
  const b = new Slot();
  const pong = (async () => {
    for (;;) {
      const m = await b.take();
      if (m === 0) return;
      a.put(m);
    }
  })();
  const t0 = now();
  for (let i = 1; i <= n; i++) {
    b.put(i);
    await a.take();
  }
  const ms = now() - t0;
  b.put(0);
  await pong;
  return result(n, ms);
}

// What knowing the running process through AsyncLocalStorage would cost: the same ping-pong with a store
// active and read after every hand-off, as an implicit `self()` would.
async function pingpongAls() {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const als = new AsyncLocalStorage();
  const n = 1_000_000;
  const a = new Slot();
  const b = new Slot();
  let reads = 0;
  const pong = als.run({ pid: 'pong' }, async () => {
    for (;;) {
      const m = await b.take();
      if (als.getStore() !== undefined) reads++;
      if (m === 0) return;
      a.put(m);
    }
  });
  return als.run({ pid: 'ping' }, async () => {
    const t0 = now();
    for (let i = 1; i <= n; i++) {
      b.put(i);
      await a.take();
      if (als.getStore() !== undefined) reads++;
    }
    const ms = now() - t0;
    b.put(0);
    await pong;
    return result(n, ms, { store_reads: reads });
  });
}

async function fanin() {
  const senders = 100;
  const each = 10_000;
  const inbox = new Slot();
  const t0 = now();
  for (let s = 0; s < senders; s++) {
    void (async () => {
      for (let i = 0; i < each; i++) inbox.put('msg');
    })();
  }
  for (let i = 0; i < senders * each; i++) await inbox.take();
  return result(senders * each, now() - t0);
}

async function ring() {
  const size = 10_000;
  const laps = 100;
  const slots = Array.from({ length: size + 1 }, () => new Slot());
  for (let i = 0; i < size; i++) {
    const mine = slots[i];
    const next = slots[i + 1];
    void (async () => {
      for (;;) {
        const t = await mine.take();
        next.put(t);
        if (t === 0) return;
      }
    })();
  }
  const home = slots[size];
  const t0 = now();
  slots[0].put(laps);
  for (;;) {
    const t = await home.take();
    if (t === 0) break;
    slots[0].put(t - 1);
  }
  return result(size * laps, now() - t0);
}

// The same ring, yielding to the event loop as the runtime's scheduler does: its budget of 10,000 reductions a
// turn is 5,000 hops of a ring (a receive and a hand-off each), after which the next hand-off waits for
// setImmediate. A runtime that never starves timers and I/O pays this; the bare ring above does not.
async function ringYield() {
  const size = 10_000;
  const laps = 100;
  let budget = 5000;
  const hop = (slot, v) => {
    if (--budget > 0) slot.put(v);
    else
      setImmediate(() => {
        budget = 5000;
        slot.put(v);
      });
  };
  const slots = Array.from({ length: size + 1 }, () => new Slot());
  for (let i = 0; i < size; i++) {
    const mine = slots[i];
    const next = slots[i + 1];
    void (async () => {
      for (;;) {
        const t = await mine.take();
        hop(next, t);
        if (t === 0) return;
      }
    })();
  }
  const home = slots[size];
  const t0 = now();
  hop(slots[0], laps);
  for (;;) {
    const t = await home.take();
    if (t === 0) break;
    hop(slots[0], t - 1);
  }
  return result(size * laps, now() - t0);
}

async function spawnIdle(n) {
  globalThis.gc();
  const m0 = process.memoryUsage().heapUsed;
  const t0 = now();
  const slots = new Array(n);
  globalThis.keep = slots;
  for (let i = 0; i < n; i++) {
    const s = new Slot();
    slots[i] = s;
    void (async () => {
      await s.take();
    })();
  }
  const ms = now() - t0;
  globalThis.gc();
  const m1 = process.memoryUsage().heapUsed;
  return result(n, ms, { bytes_per_process: (m1 - m0 - n * 8) / n });
}

const workloads = { pingpong, pingpong_als: pingpongAls, fanin, ring, ring_yield: ringYield, spawn_100k: () => spawnIdle(100_000), spawn_1m: () => spawnIdle(1_000_000) };
const workload = process.argv[2];
if (!workloads[workload]) {
  console.error(`unknown workload '${workload}': one of ${Object.keys(workloads).join(', ')}`);
  process.exit(2);
}
console.log(JSON.stringify(await repeat(workloads[workload], workload.startsWith('spawn') ? 1 : Number(process.argv[3] ?? 5))));
