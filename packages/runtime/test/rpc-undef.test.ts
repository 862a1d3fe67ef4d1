// rpc names a module and a function by strings from the caller: only the functions the module exports are
// callable; a name every object inherits (toString, constructor, hasOwnProperty) is no function of it, and
// the call is undef (OTP's {badrpc, {'EXIT', {undef, _}}}), not a call of Object.prototype's method.
// Two nodes in one process, real TCP on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, registerRpcModule, rpc, type BadRpc } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';

class Service {
  hello(who: string): string {
    return `hello ${who}`;
  }
}

test("an rpc naming a function every object inherits (toString, constructor, hasOwnProperty, valueOf) is undef naming it; a module object's own and class methods are callable", async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: 'caller@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    await b.startDistribution({ name: 'callee@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    registerRpcModule(b, 'svc', new Service() as unknown as Record<string, unknown>);
    registerRpcModule(b, 'plain', { add: (x: number, y: number) => x + y });
    await a.run(async (ctx) => {
      assert.equal(await rpc.call(ctx, 'callee@127.0.0.1', 'plain', 'add', [2, 3]), 5);
      assert.equal(await rpc.call(ctx, 'callee@127.0.0.1', 'svc', 'hello', ['you']), 'hello you');
      for (const [module, fn] of [['otp', 'toString'], ['otp', 'constructor'], ['otp', 'hasOwnProperty'], ['plain', 'valueOf'], ['svc', 'constructor'], ['svc', 'toString'], ['plain', '__proto__']] as const) {
        await assert.rejects(rpc.call(ctx, 'callee@127.0.0.1', module, fn, ['name']), (e: BadRpc) => e.undef && e.message === `rpc to callee@127.0.0.1 failed: ${module} has no function ${fn}`, `${module}.${fn}`);
      }
    });
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
});

test('an rpc whose function throws something other than an Error fails with that value as the reason (a string of it when it cannot cross), not "[object Object]"', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: 'thrower_caller@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    await b.startDistribution({ name: 'thrower@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    registerRpcModule(b, 'thrower', {
      object: () => {
        throw { code: 'out_of_stock', item: 'apple' };
      },
      text: () => {
        throw 'plain';
      },
      error: () => Promise.reject(new TypeError('bad type')),
      fn: () => {
        throw { retry: () => 1 };
      },
    });
    await a.run(async (ctx) => {
      const failure = (fn: string): Promise<BadRpc> => rpc.call(ctx, 'thrower@127.0.0.1', 'thrower', fn).then(() => assert.fail(`${fn} answered`), (e: BadRpc) => e);
      const object = await failure('object');
      assert.deepEqual(object.reason, { code: 'out_of_stock', item: 'apple' });
      assert.equal(object.message, "rpc to thrower@127.0.0.1 failed: { code: 'out_of_stock', item: 'apple' }");
      assert.equal((await failure('text')).reason, 'plain');
      assert.equal((await failure('error')).reason, 'bad type');
      const fn = await failure('fn');
      assert.equal(typeof fn.reason, 'string');
      assert.match(fn.message, /^rpc to thrower@127\.0\.0\.1 failed: .*retry/);
    });
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
});
