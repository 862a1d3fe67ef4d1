// rpc.multicall as OTP's rpc:multicall: the calls run on every node at once within one timeout, the results
// come in the order of the nodes, a call that failed on a node that answered is a BadRpc among the results
// ({badrpc, Reason}), and badNodes lists only the nodes that are down or gave no answer. Three nodes in one
// process, real TCP on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRpc, createNode, CTX_FIRST_KEY, registerRpcModule, rpc, TIMEOUT, type OtpNode, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';

// `meet()` on mc_b returns only once the same call runs on mc_c too, and the other way round: it greets the other node's call until one greets back.
async function meet(ctx: ProcessContext): Promise<string> {
  const other = ctx.node.name === 'mc_b@127.0.0.1' ? 'mc_c@127.0.0.1' : 'mc_b@127.0.0.1';
  ctx.register('meeter');
  for (;;) {
    ctx.send({ name: 'meeter', node: other }, 'hi');
    if ((await ctx.receive((m) => m === 'hi', 50)) === TIMEOUT) continue;
    ctx.send({ name: 'meeter', node: other }, 'hi');
    return `met on ${ctx.node.name}`;
  }
}

function serve(node: OtpNode): void {
  registerRpcModule(node, 'm', { meet, fail: () => { throw new Error('it failed'); }, name: () => node.name, [Symbol.for(CTX_FIRST_KEY)]: ['meet'] });
}

test('rpc.multicall runs the calls on all nodes at once, gives results in node order with a BadRpc for a call that failed, and badNodes only for nodes down or silent', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const [a, b, c] = [createNode({ onCrash: () => {} }), createNode({ onCrash: () => {} }), createNode({ onCrash: () => {} })];
  try {
    for (const [n, name] of [[a, 'mc_a'], [b, 'mc_b'], [c, 'mc_c']] as const) {
      await n.startDistribution({ name: `${name}@127.0.0.1`, cookie: 'sekrit', epmdPort, log: () => {} });
      serve(n);
    }
    await a.run(async (ctx) => {
      // Each call returns only when the other runs too: one after the other, both would wait out the timeout.
      const met = await rpc.multicall(ctx, ['mc_b@127.0.0.1', 'mc_c@127.0.0.1'], 'm', 'meet', [], 20_000);
      assert.deepEqual(met, { results: ['met on mc_b@127.0.0.1', 'met on mc_c@127.0.0.1'], badNodes: [] });
      const failed = await rpc.multicall(ctx, ['mc_c@127.0.0.1', 'ghost@127.0.0.1', 'mc_a@127.0.0.1', 'mc_b@127.0.0.1'], 'm', 'fail', [], 60_000);
      assert.deepEqual(failed.badNodes, ['ghost@127.0.0.1'], 'a node whose call threw answered: it is not bad');
      assert.equal(failed.results.length, 3);
      for (const [i, node] of ['mc_c@127.0.0.1', 'mc_a@127.0.0.1', 'mc_b@127.0.0.1'].entries()) {
        const r = failed.results[i] as BadRpc;
        assert.ok(r instanceof BadRpc && r.node === node && r.reason === 'it failed' && !r.undef, `${node}: ${String(r)}`);
      }
      const names = await rpc.multicall(ctx, ['mc_c@127.0.0.1', 'mc_a@127.0.0.1', 'mc_b@127.0.0.1'], 'm', 'name', [], 60_000);
      assert.deepEqual(names, { results: ['mc_c@127.0.0.1', 'mc_a@127.0.0.1', 'mc_b@127.0.0.1'], badNodes: [] });
      const undef = await rpc.multicall(ctx, ['mc_b@127.0.0.1'], 'm', 'nope');
      assert.ok(undef.results[0] instanceof BadRpc && undef.results[0].undef && undef.badNodes.length === 0);
      await assert.rejects(rpc.multicall(ctx, ['mc_b@127.0.0.1', 'not a node'], 'm', 'name'), /'not a node' is not a node name/);
      assert.equal(ctx.processInfo(ctx.self())!.messageQueueLen, 0, 'no answer is left in the mailbox');
    });
  } finally {
    for (const n of [a, b, c]) n.shutdown();
    await epmd.close();
  }
});
