// Cases mirroring OTP's lib/stdlib/test/timer_SUITE.erl for interval timers: send_interval and apply_interval
// repeat until cancelled, end with the process they work for, and refuse a time that is not whole ms >= 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timer, RuntimeError, TIMEOUT, isDown, type Pid } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const WAIT = 20_000;
const badarg = (e: unknown) => e instanceof RuntimeError && e.code === 'badarg';

test('timer_SUITE: send_interval delivers the message again and again until cancel; a second cancel answers false', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const ref = timer.sendInterval(ctx, 5, ctx.self(), 'tick');
      for (let i = 0; i < 3; i++) assert.equal(await ctx.receive((m) => m === 'tick', WAIT), 'tick');
      assert.equal(timer.cancel(ctx, ref), true);
      assert.equal(timer.cancel(ctx, ref), false);
      // Once the ticker is gone, no tick comes any more: wait for its end through the process list, then drain.
      const deadline = Date.now() + WAIT;
      while (ctx.processes().length > 1 && Date.now() < deadline) await ctx.sleep(1);
      assert.equal(ctx.processes().length, 1, 'the interval process ended');
      while ((await ctx.receive((m) => m === 'tick', 0)) !== TIMEOUT);
      ctx.sendAfter(30, ctx.self(), 'later');
      assert.equal(await ctx.receive((m) => m === 'tick' || m === 'later', WAIT), 'later');
    }),
  );
});

test('timer_SUITE: an interval to a pid ends when that process ends; apply_interval runs the function in a new process each time, and ends with its caller', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const me = ctx.self();
      const target = ctx.spawn(async (c) => {
        await c.receive((m) => m === 'tick');
      });
      const down = ctx.monitor(target);
      const ref = timer.sendInterval(ctx, 5, target, 'tick');
      assert.notEqual(await ctx.receive((m) => isDown(m, down), WAIT), TIMEOUT);
      const deadline = Date.now() + WAIT;
      while (ctx.processes().length > 1 && Date.now() < deadline) await ctx.sleep(1);
      assert.equal(timer.cancel(ctx, ref), false, 'the interval ended with its target');
      // apply_interval: each run is its own process, and the interval dies with the process that asked for it.
      const caller = ctx.spawn(async (c) => {
        timer.applyInterval(c, 5, (run) => run.send(me, ['ran', run.self()]));
        await c.receive((m) => m === 'stop');
      });
      const runners = new Set<string>();
      while (runners.size < 3) {
        const m = (await ctx.receive((x) => Array.isArray(x) && x[0] === 'ran', WAIT)) as [string, Pid];
        assert.notEqual(String(m[1]), String(caller));
        runners.add(String(m[1]));
      }
      const gone = ctx.monitor(caller);
      ctx.send(caller, 'stop');
      await ctx.receive((m) => isDown(m, gone), WAIT);
      const end = Date.now() + WAIT;
      while (ctx.processes().length > 1 && Date.now() < end) await ctx.sleep(1);
      assert.equal(ctx.processes().length, 1, 'the interval ended with its caller');
    }),
  );
});

test('timer_SUITE: an interval of 1.5, -1 or a string is badarg, and applyInterval needs a function', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      for (const bad of [1.5, -1, '10' as unknown as number, Infinity]) assert.throws(() => timer.sendInterval(ctx, bad, ctx.self(), 'x'), badarg);
      assert.throws(() => timer.applyInterval(ctx, 10, 'f' as unknown as () => void), badarg);
      assert.equal(ctx.processes().length, 1, 'nothing was started');
    }),
  );
});
