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
