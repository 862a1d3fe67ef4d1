// The cases of OTP's rpc_SUITE and erpc_SUITE that apply to this runtime's rpc, translated: the called node is a
// peer that is a real OS process, killed where a case has the node go away. OTP's {badrpc, Reason} is a BadRpc
// whose `reason` is the Reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRpc, rpc, NodeDown, RuntimeError } from '@otp-ts/runtime';
import { withSuitePeer } from './helpers.ts';

const badrpc = (reason: unknown) => (e: unknown) => e instanceof BadRpc && (assert.deepEqual(e.reason, reason), true);

test('rpc_SUITE call: a call answers the value; a throw there is a BadRpc carrying the error; an unknown function is undef', { timeout: 120_000 }, async () => {
  await withSuitePeer('rcall', 'rpc-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      assert.deepEqual(await rpc.call(ctx, peer, 'suite', 'echo', [{ x: [1, 'two'] }]), { x: [1, 'two'] });
      await assert.rejects(rpc.call(ctx, peer, 'suite', 'throws', []), (e: unknown) => e instanceof BadRpc && !e.undef && /thrown there/.test(e.message));
      await assert.rejects(rpc.call(ctx, peer, 'suite', 'nope', []), (e: unknown) => e instanceof BadRpc && e.undef);
    });
  });
});

test('erpc_SUITE call: a function that exits the process running it is a BadRpc carrying the exit reason', { timeout: 120_000 }, async () => {
  await withSuitePeer('rexit', 'rpc-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      await assert.rejects(rpc.call(ctx, peer, 'suite', 'exits', []), (e: unknown) => e instanceof BadRpc && /gone_there/.test(e.message));
    });
  });
});

test('rpc_SUITE call timeout: a call that outlives its timeout is badrpc timeout, and the caller can call again', { timeout: 120_000 }, async () => {
  await withSuitePeer('rtmo', 'rpc-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      await assert.rejects(rpc.call(ctx, peer, 'suite', 'hang', [], 200), badrpc('timeout'));
      assert.equal(await rpc.call(ctx, peer, 'suite', 'echo', ['again']), 'again');
    });
  });
});

test('rpc_SUITE called_dies / erpc_SUITE call against a node going down: a call in flight when the node dies is badrpc nodedown, not a timeout', { timeout: 120_000 }, async () => {
  await withSuitePeer('rdies', 'rpc-dist', async (a, peer, kill) => {
    const seen = a.run((ctx) => rpc.call(ctx, peer, 'suite', 'hang', [], Infinity).then(() => undefined, (e: unknown) => e));
    await a.run(async (ctx) => {
      // The call has reached the peer once it runs there: ask for a second answer, which comes after.
      assert.equal(await rpc.call(ctx, peer, 'suite', 'echo', ['in']), 'in');
    });
    kill();
    const e = await seen;
    assert.ok(e instanceof BadRpc, String(e));
    assert.equal(e.reason, 'nodedown');
    assert.equal(e.node, peer);
  });
});

test('rpc_SUITE: a call, a cast and a multicall to a node that is down; a call to it is badrpc nodedown; multicall lists it among the bad nodes', { timeout: 120_000 }, async () => {
  await withSuitePeer('rdown', 'rpc-dist', async (a, peer, kill) => {
    await a.run(async (ctx) => {
      ctx.monitorNode(peer);
      kill();
      await ctx.receive((m) => m instanceof NodeDown, 30_000);
      await assert.rejects(rpc.call(ctx, peer, 'suite', 'echo', [1]), badrpc('nodedown'));
      rpc.cast(ctx, peer, 'suite', 'echo', [1]);
      const { results, badNodes } = await rpc.multicall(ctx, [a.name, peer], 'otp', 'ping', []);
      assert.deepEqual(results, ['pong']);
      assert.deepEqual(badNodes, [peer]);
    });
  });
});

test('rpc_SUITE / erpc_SUITE bad node names: a name no node holds, or one that is no node name at all, is badrpc nodedown (the latter said so); a name that is not a string is badarg', { timeout: 120_000 }, async () => {
  await withSuitePeer('rbad', 'rpc-dist', async (a) => {
    await a.run(async (ctx) => {
      await assert.rejects(rpc.call(ctx, 'nobody@127.0.0.1', 'otp', 'ping', [], 10_000), badrpc('nodedown'));
      for (const bad of ['nohost', '', 'a@b@c', 'x@']) {
        await assert.rejects(rpc.call(ctx, bad, 'otp', 'ping', []), (e: unknown) => badrpc('nodedown')(e) && (e as Error).message.includes(`'${bad}' is not a node name`) && (e as Error).message.includes('name@host'));
      }
      await assert.rejects(rpc.call(ctx, 42 as unknown as string, 'otp', 'ping', []), (e: unknown) => e instanceof RuntimeError && e.message.startsWith('rpc.call: the node must be a node name'));
      const { results, badNodes } = await rpc.multicall(ctx, ['nobody@127.0.0.1', a.name], 'otp', 'ping', [], 10_000);
      assert.deepEqual([results, badNodes], [['pong'], ['nobody@127.0.0.1']]);
    });
  });
});
