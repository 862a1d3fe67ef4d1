// The CPU an idle node's event loop spends once distribution traffic stops: busy waiting (polling after
// traffic) must end by itself. Moved here from distribution.test.ts, which asserts on the polling that
// happens (setImmediate turns) rather than on time: a utilisation figure depends on the machine's load.
// node bench/dist/idle-cpu.mjs  → prints the loop's utilisation over 1 s of idleness after a round trip.
import { createNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';

const epmd = new EpmdServer();
const epmdPort = await epmd.listen(0);
const a = createNode();
const b = createNode();
await a.startDistribution({ name: 'bench_idle_cpu_a@127.0.0.1', cookie: 'bench', epmdPort, log: () => {} });
await b.startDistribution({ name: 'bench_idle_cpu_b@127.0.0.1', cookie: 'bench', epmdPort, log: () => {} });
try {
  const echo = b.spawn(async (c) => {
    for (;;) {
      const m = await c.receive();
      c.send(m, 'pong');
    }
  });
  b.register('bench_echo', echo);
  for (let i = 0; i < 1000; i++) {
    await a.run(async (ctx) => {
      ctx.send({ name: 'bench_echo', node: b.name }, ctx.self());
      return ctx.receive();
    });
  }
  // The per-thread loop utilisation (process.cpuUsage would count other threads): polling keeps it near 1.
  const before = performance.eventLoopUtilization();
  await new Promise((r) => setTimeout(r, 1000));
  const { utilization } = performance.eventLoopUtilization(before);
  console.log(`idle after 1000 round trips: event loop busy ${(utilization * 100).toFixed(1)}% of 1 s (busy-wait window ${a.dist.busyWaitUs} µs)`);
} finally {
  a.shutdown();
  b.shutdown();
  await epmd.close();
}
