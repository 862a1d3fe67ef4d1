// What rpc and a send to another node refuse: arguments that are no array, a message holding a function (before
// anything is sent), a module named without its application. Two nodes in one process, real TCP on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeServerOf, createNode, registerRpcModule, rpc, RuntimeError, type OtpNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';

async function twoNodes(prefix: string, body: (a: OtpNode, b: OtpNode) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const [a, b] = [createNode({ onCrash: () => {} }), createNode({ onCrash: () => {} })];
  try {
    await a.startDistribution({ name: `${prefix}a@127.0.0.1`, cookie: 'sekrit', epmdPort, log: () => {} });
    await b.startDistribution({ name: `${prefix}b@127.0.0.1`, cookie: 'sekrit', epmdPort, log: () => {} });
    registerRpcModule(b, 'plain', { add: (x: number, y: number) => x + y });
    await body(a, b);
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
}

test('rpc.call, rpc.cast and rpc.multicall with arguments that are no array (5, a string, null) are refused with badarg naming them, before anything is sent', async () => {
  await twoNodes('ra', async (a, b) => {
    await a.run(async (ctx) => {
      for (const bad of [5, 'xy', null, { 0: 1 }]) {
        const refused = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg' && /^rpc\.(call|cast|multicall): the arguments of plain\.add must be an array, such as \[1, 2\]; got .+$/.test(e.message);
        await assert.rejects(rpc.call(ctx, b.name, 'plain', 'add', bad as never), refused, String(bad));
        assert.throws(() => rpc.cast(ctx, b.name, 'plain', 'add', bad as never), refused, String(bad));
        await assert.rejects(rpc.multicall(ctx, [b.name], 'plain', 'add', bad as never), refused, String(bad));
      }
      assert.equal(await rpc.call(ctx, b.name, 'plain', 'add', [2, 3]), 5, 'rpc goes on');
      assert.equal(await rpc.call(ctx, a.name, 'otp', 'ping'), 'pong', 'args may be left out');
    });
  });
});

test('a send, rpc.call or rpc.cast to another node with a function or symbol in the message throws one sentence naming what cannot cross, where, and the fix (not V8\'s "could not be cloned")', async () => {
  await twoNodes('rf', async (a, b) => {
    await a.run(async (ctx) => {
      const dest = { name: 'nobody', node: b.name };
      const fn = (path: string, what = 'a function'): RegExp => new RegExp(`^(Error: )?message holds ${what}${path}, which cannot be sent to another node: send data \\(strings, numbers, arrays, plain objects, pids\\) and name the function instead$`);
      assert.throws(() => ctx.send(dest, { job: { callback: () => 1 } }), fn(' at \\.job\\.callback'));
      assert.throws(() => ctx.send(dest, () => 1), fn(''));
      assert.throws(() => ctx.send(dest, ['x', new Map([['k', Symbol('s')]])]), fn(' at \\[1\\]\\.get\\("k"\\)', 'a symbol'));
      assert.throws(() => ctx.send(dest, [new Date(0), new (class Job { f = (): number => 1 })()]), fn(' at \\[1\\]\\.f'));
      await assert.rejects(rpc.call(ctx, b.name, 'plain', 'add', [1, () => 2]), fn(' at .*\\.args\\[1\\]'));
      assert.throws(() => rpc.cast(ctx, b.name, 'plain', 'add', [1, () => 2]), fn(' at .*\\.args\\[1\\]'));
      assert.equal(await rpc.call(ctx, b.name, 'plain', 'add', [2, 3]), 5, 'the connection stayed up');
    });
  });
});

test('an rpc to a module named without its application (shop_server for shop/shop_server) names the loaded modules it may mean; an unknown name gets no guess', async () => {
  await twoNodes('rn', async (a, b) => {
    const code = codeServerOf(b);
    await code.load({ name: 'shop/shop_server', code: 'exports.count = () => 7;', filename: '/app/shop/shop_server.js' });
    await code.load({ name: 'admin/shop_server', code: 'exports.count = () => 8;', filename: '/app/admin/shop_server.js' });
    await a.run(async (ctx) => {
      const failed = (tail: string) => (e: Error): boolean => e.message === `rpc to ${b.name} failed: no module named ${tail}`;
      await assert.rejects(rpc.call(ctx, b.name, 'shop_server', 'count'), failed(`shop_server on ${b.name}: modules are named with their application; did you mean admin/shop_server, shop/shop_server?`));
      await assert.rejects(rpc.call(ctx, b.name, 'nosuch', 'count'), failed(`nosuch on ${b.name}`));
      assert.equal(await rpc.call(ctx, b.name, 'shop/shop_server', 'count'), 7);
    });
  });
});
