// Cases mirroring OTP's lib/stdlib/test/gen_server_SUITE.erl not covered before, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, genEvent, genServer, genStatem, ok, reply, supervisor, type GenServer } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const idleServer: GenServer<null> = { name: 'idle', init: () => ok(null) };

test('gen_server_SUITE: start — a name that is no name (a number, null, { global: 7 }, a via without a registry) is refused with badarg naming it, nothing spawned, for every behaviour', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const machine = { callbackMode: 'handleEvent' as const, init: () => genStatem.ok('a', null), handleEvent: () => genStatem.keepStateAndData() };
      const sup = { init: () => ({ flags: { strategy: 'oneForOne' as const }, children: [] }) };
      const starts = [
        (name: never) => genServer.start(ctx, idleServer, undefined, { name }),
        (name: never) => genStatem.startLink(ctx, machine, undefined, { name }),
        (name: never) => genEvent.start(ctx, { name }),
        (name: never) => supervisor.startLink(ctx, sup, undefined, { name }),
      ];
      const before = ctx.processes().length;
      for (const bad of [42, null, { global: 7 }, { via: {}, name: 'x' }, { via: null, name: 'x' }]) {
        for (const start of starts) {
          await assert.rejects(start(bad as never), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /start name must be a string/.test(e.message), `refused: ${JSON.stringify(bad)}`);
        }
      }
      assert.equal(ctx.processes().length, before, 'no process was left behind');
    });
  });
});

test('gen_server_SUITE: undef_init — a start given no callback module (null, an object without init) is refused with badarg naming it, nothing spawned and no crash, for gen_server and gen_statem', async () => {
  await withNode(async (node, crashes) => {
    await node.run(async (ctx) => {
      const before = ctx.processes().length;
      const starts = [
        (m: never) => genServer.start(ctx, m, undefined),
        (m: never) => genServer.startLink(ctx, m, undefined),
        (m: never) => genStatem.start(ctx, m, undefined),
        (m: never) => genStatem.startLink(ctx, m, undefined),
      ];
      for (const bad of [null, undefined, 42, {}, { init: 'no' }]) {
        for (const start of starts) {
          await assert.rejects(start(bad as never), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /needs a callback module \(an object with an init function\)/.test(e.message), `refused: ${String(bad)}`);
        }
      }
      assert.equal(ctx.processes().length, before, 'no process was left behind');
    });
    assert.deepEqual(crashes, [], 'no process crashed');
  });
});

test('gen_server_SUITE: multicall — a timeout that is no timeout (-5, 1.5, NaN) is refused with badarg before any request is sent, so no server runs it and no node is called bad', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const counter: GenServer<number, 'bump', never, number> = { name: 'bumped', init: () => ok(0), handleCall: (_req, _from, n) => reply(n + 1, n + 1) };
      const pid = await genServer.start(ctx, counter, undefined, { name: 'bumped' });
      for (const bad of [-5, 1.5, NaN]) {
        await assert.rejects(genServer.multiCall(ctx, 'bumped', 'bump', bad), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /the request was not sent/.test(e.message), `refused: ${bad}`);
      }
      // The server never got a bump: this call is its first.
      assert.equal(await genServer.call(ctx, pid, 'bump'), 1);
      assert.deepEqual(await genServer.multiCall(ctx, 'bumped', 'bump', 1000), { replies: [[node.name, 2]], badNodes: [] });
      await genServer.stop(ctx, pid);
    });
  });
});

test("gen_server_SUITE: call_with_huge_message_queue — a call from a process with 10,000 messages waiting looks at none of them (OTP's receive marker), and leaves them waiting in order", async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const echo: GenServer<number, string, never, string, number> = { init: (n) => ok(n), handleCall: (_req, _from, s) => reply('pong', s) };
      const srv = await genServer.start(ctx, echo, 0);
      // Each look at a waiting message by a receive's matcher asks for its prototype (instanceof): counted here.
      let looks = 0;
      const junk = Array.from({ length: 10_000 }, (_, i) => new Proxy({ i }, { getPrototypeOf: (t) => (looks++, Object.getPrototypeOf(t)) }));
      for (const j of junk) ctx.send(ctx.self(), j);
      looks = 0;
      for (let i = 0; i < 50; i++) assert.equal(await genServer.call(ctx, srv, 'ping'), 'pong');
      assert.equal(looks, 0, `50 calls looked at the waiting messages ${looks} times`);
      assert.equal(ctx.processInfo(ctx.self())?.messageQueueLen, 10_000);
      assert.equal(((await ctx.receive()) as { i: number }).i, 0);
    }),
  );
});
