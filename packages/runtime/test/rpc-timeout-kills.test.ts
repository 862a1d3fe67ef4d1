// OTP's erpc kills the process running a call when the caller's timeout expires: a timed-out rpc leaves no
// worker running on the target node, while a call that answers in time is untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRpc, createNode, registerRpcModule, rpc, CTX_FIRST_KEY, type OtpNode, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';

async function waitFor(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('rpc.call with a timeout kills the worker running the call on the other node; calls answered in time are untouched', { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const nodes: OtpNode[] = [];
  try {
    for (const n of ['rpcka', 'rpckb']) {
      const node = createNode({ onCrash: () => {} });
      await node.startDistribution({ name: `${n}@127.0.0.1`, cookie: 'rpc-kill', epmdPort, log: () => {} });
      nodes.push(node);
    }
    const [a, b] = nodes as [OtpNode, OtpNode];
    const workers: Pid[] = [];
    registerRpcModule(b, 'work', {
      hang: (ctx: ProcessContext) => {
        workers.push(ctx.self());
        return new Promise(() => {});
      },
      quick: (ctx: ProcessContext) => {
        workers.push(ctx.self());
        return 'done';
      },
      [Symbol.for(CTX_FIRST_KEY)]: ['hang', 'quick'],
    });
    await a.run(async (ctx) => {
      // Connected first, and a timeout a loaded machine still delivers the call within: the worker must have started.
      assert.equal(await rpc.call(ctx, b.name, 'work', 'quick', [], 5000), 'done');
      await assert.rejects(rpc.call(ctx, b.name, 'work', 'hang', [], 1000), (e: unknown) => e instanceof BadRpc && e.reason === 'timeout');
      assert.equal(await rpc.call(ctx, b.name, 'work', 'quick', [], 5000), 'done');
    });
    assert.equal(workers.length, 3);
    await waitFor('the timed-out worker is killed', () => !b.isAlive(workers[1]!));
    // The same happens for a call to the local node's rpc server.
    await b.run(async (ctx) => {
      await assert.rejects(rpc.call(ctx, b.name, 'work', 'hang', [], 1000), (e: unknown) => e instanceof BadRpc && e.reason === 'timeout');
    });
    await waitFor('the local timed-out worker is killed', () => !b.isAlive(workers[3]!));
  } finally {
    for (const n of nodes) n.shutdown();
    await epmd.close();
  }
});

test('a message a process sends just before its node stops reaches the other node (the batch is flushed, not dropped with the socket)', { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const nodes: OtpNode[] = [];
  try {
    for (const n of ['flusha', 'flushb']) {
      const node = createNode({ onCrash: () => {} });
      await node.startDistribution({ name: `${n}@127.0.0.1`, cookie: 'rpc-kill', epmdPort, log: () => {} });
      nodes.push(node);
    }
    const [a, b] = nodes as [OtpNode, OtpNode];
    assert.equal(await a.ping(b.name), true);
    const got: unknown[] = [];
    b.spawn(
      async (ctx) => {
        for (;;) got.push(await ctx.receive());
      },
      { name: 'inbox' },
    );
    a.spawn(async (ctx) => {
      ctx.send({ name: 'inbox', node: b.name }, 'last words');
      a.shutdown();
    });
    await waitFor('the last message arrives', () => got.includes('last words'));
  } finally {
    for (const n of nodes) n.shutdown();
    await epmd.close();
  }
});
