// A large message over a slow link: the bytes of a frame still arriving are a sign of life (as OTP counts bytes
// received), so the peer is not declared down at the tick time while they flow. Nodes in one process, real TCP
// on loopback, through a throttling proxy the listener is reached by (its own port mapper names the proxy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { createNode, NodeDown } from '@otp-ts/runtime';
import { EpmdServer, portMapperLookup, portMapperRegister } from '@otp-ts/runtime/tools';

test('a 3 MB message that takes longer than the tick time to arrive over a slow link does not get its sender declared down: it arrives, the connection stays', { timeout: 120_000 }, async () => {
  const realEpmd = new EpmdServer();
  const realPort = await realEpmd.listen(0);
  const proxyEpmd = new EpmdServer();
  const proxyEpmdPort = await proxyEpmd.listen(0);
  const b = createNode({ onCrash: () => {} });
  const a = createNode({ onCrash: () => {} });
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  // Forwards a's bytes at once, b's at 64 kB every 50 ms (about 1.3 MB/s).
  const proxy = createServer((fromA) => {
    const toB = connect({ host: '127.0.0.1', port: bPort });
    sockets.push(fromA, toB);
    fromA.pipe(toB);
    const pending: Buffer[] = [];
    toB.on('data', (c: Buffer) => pending.push(c));
    const timer = setInterval(() => {
      let budget = 64 * 1024;
      while (budget > 0 && pending.length > 0) {
        const c = pending.shift()!;
        const part = c.subarray(0, budget);
        if (part.length < c.length) pending.unshift(c.subarray(part.length));
        fromA.write(part);
        budget -= part.length;
      }
    }, 50);
    timers.push(timer);
    for (const s of [fromA, toB]) s.on('error', () => {});
  });
  let bPort = 0;
  try {
    await b.startDistribution({ name: 'slow_b@127.0.0.1', cookie: 'sekrit', epmdPort: realPort, tickTime: 4000, log: () => {} });
    bPort = (await portMapperLookup('slow_b', '127.0.0.1', realPort))!.port;
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    const registration = await portMapperRegister({ name: 'slow_b', port: (proxy.address() as { port: number }).port, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) }, '127.0.0.1', proxyEpmdPort);
    await a.startDistribution({ name: 'slow_a@127.0.0.1', cookie: 'sekrit', epmdPort: proxyEpmdPort, tickTime: 1000, log: () => {} });
    b.spawn(
      async (ctx) => {
        const from = await ctx.receive();
        ctx.send(from as never, Buffer.alloc(3 * 1024 * 1024, 7));
      },
      { name: 'big' },
    );
    await a.run(async (ctx) => {
      ctx.monitorNode('slow_b@127.0.0.1');
      ctx.send({ name: 'big', node: 'slow_b@127.0.0.1' }, ctx.self());
      const m = await ctx.receive((x) => Buffer.isBuffer(x) || x instanceof NodeDown, 60_000);
      assert.ok(Buffer.isBuffer(m), `the peer was declared down while its message arrived: ${String((m as NodeDown).reason)}`);
      assert.equal(m.length, 3 * 1024 * 1024);
      assert.deepEqual(a.nodes(), ['slow_b@127.0.0.1']);
    });
    registration.close();
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    a.shutdown();
    b.shutdown();
    proxy.close();
    await realEpmd.close();
    await proxyEpmd.close();
  }
});

test('a node sending a 24 MB message to a peer that reads it slowly (longer than the tick time) does not cut the connection: the peer is taking the bytes, only slowly', { timeout: 120_000 }, async () => {
  const realEpmd = new EpmdServer();
  const realPort = await realEpmd.listen(0);
  const proxyEpmd = new EpmdServer();
  const proxyEpmdPort = await proxyEpmd.listen(0);
  const b = createNode({ onCrash: () => {} });
  const a = createNode({ onCrash: () => {} });
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  const logs: string[] = [];
  // Forwards b's bytes at once, a's at 256 kB every 50 ms (about 5 MB/s): a's writes wait on the proxy.
  const proxy = createServer((fromA) => {
    const toB = connect({ host: '127.0.0.1', port: bPort });
    sockets.push(fromA, toB);
    toB.pipe(fromA);
    fromA.pause();
    const timer = setInterval(() => {
      const part = fromA.read(256 * 1024) as Buffer | null ?? (fromA.read() as Buffer | null);
      if (part) toB.write(part);
    }, 50);
    timers.push(timer);
    for (const s of [fromA, toB]) s.on('error', () => {});
  });
  let bPort = 0;
  try {
    await b.startDistribution({ name: 'slowr_b@127.0.0.1', cookie: 'sekrit', epmdPort: realPort, tickTime: 4000, log: () => {} });
    bPort = (await portMapperLookup('slowr_b', '127.0.0.1', realPort))!.port;
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    const registration = await portMapperRegister({ name: 'slowr_b', port: (proxy.address() as { port: number }).port, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) }, '127.0.0.1', proxyEpmdPort);
    await a.startDistribution({ name: 'slowr_a@127.0.0.1', cookie: 'sekrit', epmdPort: proxyEpmdPort, tickTime: 1000, log: (l) => logs.push(l) });
    b.spawn(
      async (ctx) => {
        const m = (await ctx.receive()) as { from: never; data: Buffer };
        ctx.send(m.from, m.data.length);
      },
      { name: 'sink' },
    );
    await a.run(async (ctx) => {
      ctx.monitorNode('slowr_b@127.0.0.1');
      ctx.send({ name: 'sink', node: 'slowr_b@127.0.0.1' }, { from: ctx.self(), data: Buffer.alloc(24 * 1024 * 1024, 7) });
      const m = await ctx.receive((x) => typeof x === 'number' || x instanceof NodeDown, 60_000);
      assert.equal(m, 24 * 1024 * 1024, `the connection was cut while the peer read: ${String((m as NodeDown).detail)}\n${logs.join('\n')}`);
      assert.deepEqual(a.nodes(), ['slowr_b@127.0.0.1']);
    });
    registration.close();
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    a.shutdown();
    b.shutdown();
    proxy.close();
    await realEpmd.close();
    await proxyEpmd.close();
  }
});
