// Cases mirroring OTP's gen_server_SUITE / timer_SUITE on timeout values: a timeout is a whole number of ms >= 0
// or infinity; anything else (1.5 included) is badarg before anything happens, as erl's `receive after 1.5` and
// gen:call's guard refuse it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, sys, ok, reply, RuntimeError, CallError, StartError, BadReturnValue, isDown, type GenServer, type GenStatem } from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

const badarg = (what: RegExp) => (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && what.test(e.message);

test('timer_SUITE: sleep with a fraction of a millisecond (1.5) or a negative time is badarg, a whole number sleeps', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await assert.rejects(ctx.sleep(1.5), badarg(/sleep needs a whole number of milliseconds >= 0 or Infinity, got 1\.5/));
      await assert.rejects(ctx.sleep(-1), badarg(/sleep needs a whole number of milliseconds >= 0 or Infinity, got -1/));
      await ctx.sleep(0);
      await ctx.sleep(2);
    }),
  );
});

test('gen_server_SUITE: call, sys and start with a timeout of 1.5 ms are refused with badarg before the request is sent; the server never sees it', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const server: GenServer<number, string, never, number> = {
        init: () => ok(0),
        handleCall: (req, _from, n) => (req === 'bump' ? reply(n + 1, n + 1) : reply(n, n)),
      };
      const pid = await genServer.start(ctx, server, undefined);
      await assert.rejects(genServer.call(ctx, pid, 'bump', 1.5), badarg(/call timeout must be a whole number of milliseconds >= 0 or Infinity, got 1\.5; the request was not sent/));
      await assert.rejects(genStatem.call(ctx, pid, 'bump', 1.5), badarg(/call timeout must be a whole number/));
      await assert.rejects(sys.getState(ctx, pid, 1.5), badarg(/call timeout must be a whole number/));
      await assert.rejects(genServer.stop(ctx, pid, 'normal', 1.5), badarg(/stop timeout must be a whole number/));
      await assert.rejects(genServer.start(ctx, server, undefined, { name: 'suite6_fraction', timeout: 1.5 }), badarg(/start timeout must be a whole number of milliseconds .*; nothing was started/));
      assert.equal(ctx.whereis('suite6_fraction'), undefined);
      assert.equal(await genServer.call(ctx, pid, 'get'), 0, 'no bump reached the server');
      await genServer.stop(ctx, pid);
    }),
  );
});

test('gen_server_SUITE / gen_statem_SUITE: a callback result whose timeout is 1.5 or -1 is a bad return value, not a timeout that fires at once', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      for (const bad of [1.5, -1, NaN]) {
        const server: GenServer<null, string, never, string> = { init: () => ok(null), handleCall: (_r, _f, s) => reply('r', s, bad) };
        const pid = await genServer.start(ctx, server, undefined);
        await assert.rejects(genServer.call(ctx, pid, 'go'), (e: unknown) => e instanceof CallError && e.failure instanceof BadReturnValue, `gen_server reply with timeout ${bad}`);
        await assert.rejects(genServer.start(ctx, { init: () => ok(null, bad) }, undefined), (e: unknown) => e instanceof StartError && e.reason instanceof BadReturnValue, `gen_server init with timeout ${bad}`);
        for (const act of [{ timeout: bad }, { stateTimeout: bad }, { genericTimeout: 'g', ms: bad }]) {
          const m: GenStatem<string, null, string, never, string, void> = {
            callbackMode: 'handleEvent',
            init: () => genStatem.ok('a', null),
            handleEvent: (e) => (e.type === 'call' ? genStatem.keepStateAndData([genStatem.reply(e.from, 'r'), act as never]) : genStatem.keepStateAndData()),
          };
          const machine = await genStatem.start(ctx, m, undefined);
          const ref = ctx.monitor(machine);
          await genStatem.call(ctx, machine, 'go').catch(() => undefined);
          const down = await ctx.receive((x) => isDown(x, ref), 20_000);
          assert.ok(isDown(down) && down.reason instanceof BadReturnValue, `gen_statem action ${JSON.stringify(act)} ends the machine with a bad return value`);
        }
      }
    });
  });
});
