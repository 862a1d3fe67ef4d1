// monitorNode as erlang:monitor_node: a node not connected yet is connected first (NodeDown only if that
// fails), and each call is one monitor, so one NodeDown each when the node goes. Nodes in one process, real TCP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, NodeDown } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

test('monitorNode on a reachable node not connected yet connects it instead of reporting it down; two calls, two NodeDowns when it goes; an unreachable node is NodeDown at once', { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode();
  const b = createNode();
  const logs: string[] = [];
  await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'sekrit', epmdPort, log: (l) => logs.push(l) });
  await b.startDistribution({ name: 'b@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  try {
    await a.run(async (ctx) => {
      assert.deepEqual(a.nodes(), []);
      ctx.monitorNode('b@127.0.0.1');
      ctx.monitorNode('b@127.0.0.1');
      await waitFor('a to connect to b', () => a.nodes().includes('b@127.0.0.1'));
      ctx.send(ctx.self(), 'marker');
      assert.equal(await ctx.receive(), 'marker', 'no NodeDown for a node that is up');
      b.shutdown();
      const downs = [await ctx.receive(null, 10_000), await ctx.receive(null, 10_000)];
      for (const d of downs) assert.ok(d instanceof NodeDown && d.node === 'b@127.0.0.1' && d.reason === 'connection_closed', String(d));
      ctx.send(ctx.self(), 'after');
      assert.equal(await ctx.receive(), 'after', 'exactly one NodeDown per monitorNode call');
      // Its own node: nothing to watch, no dial to itself (no refusal lines).
      ctx.monitorNode('a@127.0.0.1');
      ctx.monitorNode('nobody@127.0.0.1');
      const none = await ctx.receive(null, 10_000);
      assert.ok(none instanceof NodeDown && none.node === 'nobody@127.0.0.1' && none.reason === 'connection_setup_failed', String(none));
    });
    assert.ok(!logs.some((l) => /refused/.test(l)), logs.join('\n'));
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
});

test('NodeDown says why as OTP nodedown_reason: disconnect on the node that cut the connection, connection_closed on its peer', { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode();
  const b = createNode();
  await a.startDistribution({ name: 'a2@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  await b.startDistribution({ name: 'b2@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  try {
    let watching = false;
    let onB: Promise<unknown> | undefined;
    await a.run(async (ctx) => {
      assert.equal(await ctx.node.ping('b2@127.0.0.1'), true);
      ctx.monitorNode('b2@127.0.0.1');
      await waitFor('b to connect to a', () => b.nodes().includes('a2@127.0.0.1'));
      onB = b.run(async (c) => {
        c.monitorNode('a2@127.0.0.1');
        watching = true;
        return c.receive((m) => m instanceof NodeDown, 10_000);
      });
      await waitFor('b to watch a', () => watching);
      assert.equal(a.dist!.disconnect('b2@127.0.0.1'), true);
      const down = await ctx.receive((m) => m instanceof NodeDown, 10_000);
      assert.ok(down instanceof NodeDown && down.node === 'b2@127.0.0.1', String(down));
      assert.equal(down.reason, 'disconnect');
    });
    const seen = await onB;
    assert.ok(seen instanceof NodeDown && seen.node === 'a2@127.0.0.1', String(seen));
    assert.equal(seen.reason, 'connection_closed');
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
});
