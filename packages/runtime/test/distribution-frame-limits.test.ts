// Nodes with different maxFrameBytes: each announces its limit in the handshake, and a sender keeps to the
// smaller of the two, so a large message is refused where it is sent instead of the receiver closing the
// connection (and losing what was queued behind it). Two nodes in one process, real TCP on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, NodeDown, type OtpNode, type Pid } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

const SMALL = 64 * 1024;

// A node whose process 'inbox' keeps every message it receives in `got`.
async function smallNode(epmdPort: number, logs: string[]): Promise<{ node: OtpNode; got: unknown[] }> {
  const node = createNode();
  await node.startDistribution({ name: 'small@127.0.0.1', cookie: 'sekrit', epmdPort, maxFrameBytes: SMALL, log: (l) => logs.push(l) });
  const got: unknown[] = [];
  const inbox = node.spawn(async (ctx) => {
    for (;;) got.push(await ctx.receive());
  });
  node.register('inbox', inbox);
  return { node, got };
}

interface Pair {
  small: OtpNode;
  big: OtpNode;
  /** What small's inbox received. */
  got: unknown[];
  smallLogs: string[];
  bigLogs: string[];
}

// small (SMALL-byte frames, with its inbox) and a node of the default limit named `bigName`, on a private port mapper; all stopped after `body`.
async function withPair(bigName: string, body: (p: Pair) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const smallLogs: string[] = [];
  const bigLogs: string[] = [];
  const { node: small, got } = await smallNode(epmdPort, smallLogs);
  const big = createNode();
  try {
    await big.startDistribution({ name: bigName, cookie: 'sekrit', epmdPort, log: (l) => bigLogs.push(l) });
    await body({ small, big, got, smallLogs, bigLogs });
  } finally {
    big.shutdown();
    small.shutdown();
    await epmd.close();
  }
}

test('a message over the peer\'s smaller maxFrameBytes throws at the sender naming that limit; the connection and the messages around it survive', { timeout: 60_000 }, async () => {
  await withPair('big@127.0.0.1', async ({ big, got, smallLogs }) => {
    assert.equal(await big.ping('small@127.0.0.1'), true);
    const downs: NodeDown[] = [];
    await big.run(async (ctx) => {
      ctx.monitorNode('small@127.0.0.1');
      const inbox = { name: 'inbox', node: 'small@127.0.0.1' };
      ctx.send(inbox, 'one');
      assert.throws(
        () => ctx.send(inbox, 'x'.repeat(100_000)),
        (e: Error) => /over the 65536-byte frame limit of small@127\.0\.0\.1 \(its maxFrameBytes\): send it in parts/.test(e.message),
      );
      // Under the frame limit, over the memory budget the receiver applies (twice its limit): refused here too.
      assert.throws(() => ctx.send(inbox, new Array(20_000).fill(null)), /more than 131072 bytes of memory on small@127\.0\.0\.1 \(twice its maxFrameBytes\)/);
      ctx.send(inbox, 'three');
      await waitFor('the messages around the refused ones to arrive', () => got.length >= 2);
      const late = await ctx.receive((m) => m instanceof NodeDown, 0);
      if (late instanceof NodeDown) downs.push(late);
    });
    assert.deepEqual(got, ['one', 'three']);
    assert.deepEqual(downs, [], 'the connection stayed up');
    assert.deepEqual(big.nodes(), ['small@127.0.0.1']);
    assert.ok(!smallLogs.some((l) => /closed the connection/.test(l)), smallLogs.join('\n'));
  });
});

test('a message over the peer\'s smaller maxFrameBytes sent while connecting is dropped with a line; the others queued with it arrive', { timeout: 60_000 }, async () => {
  await withPair('big2@127.0.0.1', async ({ small, big, got, smallLogs, bigLogs }) => {
    const inbox = { name: 'inbox', node: 'small@127.0.0.1' };
    big.send(inbox, 'first');
    big.send(inbox, 'y'.repeat(100_000));
    big.send(inbox, 'last');
    await waitFor('the messages queued with the oversized one to arrive', () => got.length >= 2);
    assert.deepEqual(got, ['first', 'last']);
    await waitFor('the line about the dropped message', () => bigLogs.some((l) => /^distribution: dropped 1 message to 'small@127\.0\.0\.1': it was sent while connecting and is \d+ bytes on the wire, over the 65536-byte frame limit of small@127\.0\.0\.1 \(its maxFrameBytes\): send it in parts$/.test(l)));
    assert.deepEqual(big.nodes(), ['small@127.0.0.1'], 'the connection stayed up');
    assert.ok(!smallLogs.some((l) => /closed the connection/.test(l)), smallLogs.join('\n'));
    const pong: Pid | undefined = small.whereis('inbox');
    assert.ok(pong, 'the receiver is alive');
  });
});
