import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, type Pid } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

const TOTAL = 30_000;
const LIMIT = 256 * 1024;

test('a peer that stops reading suspends its senders (busy_dist_port) instead of buffering without bound', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode();
  const b = createNode();
  await a.startDistribution({ name: 'busya@127.0.0.1', cookie: 'k', epmdPort, busyLimit: LIMIT, tickTime: 60_000, log: () => {} });
  await b.startDistribution({ name: 'busyb@127.0.0.1', cookie: 'k', epmdPort, tickTime: 60_000, log: () => {} });
  try {
    let got = 0;
    let inOrder = true;
    const sink = b.spawn(async (ctx) => {
      for (;;) {
        const m = (await ctx.receive()) as { i: number };
        if (m.i !== got) inOrder = false;
        got++;
      }
    });
    const sinkOnA = await a.run(async (ctx) => {
      assert.equal(await ctx.node.ping(b.name), true);
      return ctx.node.dist!.connectionTo(b.name)!;
    });
    let sent = 0;
    let maxBuffered = 0;
    const body = 'x'.repeat(1024);
    // The sink's pid as a sees it: asked through a registered relay on b.
    const sinkPid: Pid = await new Promise((resolve) => {
      a.spawn(async (ctx) => {
        ctx.send({ name: 'relay', node: b.name }, ctx.self());
        resolve((await ctx.receive()) as Pid);
      });
      b.spawn(
        async (ctx) => {
          const from = (await ctx.receive()) as Pid;
          ctx.send(from, sink);
        },
        { name: 'relay' },
      );
    });
    // b stops reading its side of the connection: the kernel's buffers fill, then a's socket buffer grows.
    b.dist!.connectionTo(a.name)!.socket.pause();
    const sender = a.run(async (ctx) => {
      for (let i = 0; i < TOTAL; i++) {
        ctx.send(sinkPid, { i, body });
        sent++;
        maxBuffered = Math.max(maxBuffered, sinkOnA.buffered);
        // A process yields at its receives: that is where a suspended sender waits for the drain.
        if (i % 16 === 15) await ctx.receive(() => false, 0);
      }
    });
    // Suspended: the count of sends stands still over 30 polls in a row (or every message went out, which fails below).
    let last = -1;
    let still = 0;
    await waitFor('the sender stops sending', () => {
      still = sent === last ? still + 1 : 0;
      last = sent;
      return still >= 30 || sent === TOTAL;
    });
    assert.ok(sent < TOTAL, `the sender is suspended while the peer does not read: ${sent} of ${TOTAL} sent`);
    assert.ok(maxBuffered <= LIMIT + 17 * 1100, `a's buffer stayed near the limit: at most ${maxBuffered} bytes`);
    b.dist!.connectionTo(a.name)!.socket.resume();
    await sender;
    await waitFor('every message arrives', () => got === TOTAL).catch(() => undefined);
    assert.equal(got, TOTAL, 'every message arrived once the peer read again');
    assert.ok(inOrder, 'in order');
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
});
