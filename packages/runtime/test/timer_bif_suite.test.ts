// Cases translated from ERTS's timer_bif_SUITE (erts/emulator/test): send_after, start_timer, read_timer and
// cancel_timer, their error cases, their async answers, and timers to processes that are gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, TimeoutMessage, TimerResult, type RuntimeError } from '@otp-ts/runtime';
import { withNode, idle } from './helpers.ts';

const badarg = (e: unknown): boolean => (e as RuntimeError).code === 'badarg';

test('timer_bif_SUITE start_timer_e / send_after_e: -4, 1 bsl 64, 4.5 and an atom are badarg, and no timer is set', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      for (const time of [-4, 2 ** 64, 2 ** 53, 4.5, 'a']) {
        assert.throws(() => ctx.startTimer(time as number, ctx.self(), 'hej'), badarg, `startTimer(${String(time)})`);
        assert.throws(() => ctx.sendAfter(time as number, ctx.self(), 'hej'), badarg, `sendAfter(${String(time)})`);
      }
      const big = ctx.sendAfter(Number.MAX_SAFE_INTEGER, ctx.self(), 'hej');
      assert.equal(typeof ctx.cancelTimer(big), 'number', 'the largest exact whole number is a timer');
      assert.equal(await ctx.receive(null, 0), TIMEOUT);
    });
  });
});

test('timer_bif_SUITE cancel_timer_e / read_timer_trivial: an unknown ref answers false; 1, a pid or an atom is badarg', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      assert.equal(ctx.cancelTimer(ctx.makeRef()), false);
      assert.equal(ctx.readTimer(ctx.makeRef()), false);
      for (const bad of [1, ctx.self(), 'a', 423497834744444444457667444444n]) {
        assert.throws(() => ctx.cancelTimer(bad as never), badarg);
        assert.throws(() => ctx.readTimer(bad as never), badarg);
      }
    });
  });
});

test('timer_bif_SUITE read_timer_async: read, cancel with info and read again answer ok, then their results arrive in order', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const big = 2 ** 33;
      const ref = ctx.sendAfter(big, ctx.self(), 'hej_hopp');
      assert.equal(ctx.readTimer(ref, { async: true }), 'ok');
      assert.equal(ctx.cancelTimer(ref, { async: true, info: true }), 'ok');
      assert.equal(ctx.readTimer(ref, { async: true }), 'ok');
      const r1 = (await ctx.receive(null, 0)) as TimerResult;
      const r2 = (await ctx.receive(null, 0)) as TimerResult;
      const r3 = (await ctx.receive(null, 0)) as TimerResult;
      assert.deepEqual([r1.type, r2.type, r3.type], ['readTimer', 'cancelTimer', 'readTimer']);
      assert.ok(r1 instanceof TimerResult && r1.ref === ref);
      assert.ok(typeof r1.result === 'number' && r1.result <= big && r1.result > big - 60_000);
      assert.ok(typeof r2.result === 'number' && r2.result <= (r1.result as number));
      assert.equal(r3.result, false);
      assert.equal(await ctx.receive(null, 0), TIMEOUT);
    });
  });
});

test('timer_bif_SUITE read_timer_async: an unknown option or a non-boolean is badarg, and the timer is left as it was', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const ref = ctx.startTimer(60_000, ctx.self(), 'hej');
      assert.throws(() => ctx.cancelTimer(ref, { asyn: true } as never), badarg);
      assert.throws(() => ctx.cancelTimer(ref, 'async' as never), badarg);
      assert.throws(() => ctx.cancelTimer(ref, { async: 'yes' } as never), badarg);
      assert.throws(() => ctx.readTimer(ref, { info: true } as never), badarg);
      assert.throws(() => ctx.readTimer(ref, null as never), badarg);
      assert.equal(typeof ctx.readTimer(ref), 'number', 'the refused calls cancelled nothing');
      assert.equal(ctx.cancelTimer(ref, { info: false }), 'ok');
      assert.equal(ctx.readTimer(ref), false);
      assert.equal(await ctx.receive(null, 0), TIMEOUT, 'the refused calls sent no result');
    });
  });
});

test('timer_bif_SUITE cleanup: timers to a dead pid, or to one that dies before they fire, read false and never deliver', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [p1, m1] = ctx.spawnMonitor(async () => {});
      await ctx.receive((m) => (m as { ref?: unknown }).ref === m1, 20_000);
      const t1 = ctx.startTimer(10_000, p1, 'hej');
      const t2 = ctx.sendAfter(10_000, p1, 'hej');
      assert.deepEqual([ctx.readTimer(t1), ctx.readTimer(t2)], [false, false]);
      const [p2, m2] = ctx.spawnMonitor(idle);
      const t3 = ctx.startTimer(10_000, p2, 'hej');
      const t4 = ctx.sendAfter(10_000, p2, 'hej');
      assert.equal(typeof ctx.readTimer(t3), 'number');
      ctx.exit(p2, 'kill');
      await ctx.receive((m) => (m as { ref?: unknown }).ref === m2, 20_000);
      assert.deepEqual([ctx.readTimer(t3), ctx.readTimer(t4), ctx.cancelTimer(t3), ctx.cancelTimer(t4)], [false, false, false, false]);
      const t7 = ctx.startTimer(0, ctx.self(), 'tick');
      const t8 = ctx.sendAfter(0, ctx.self(), 'tock');
      const fired = (await ctx.receive(null, 20_000)) as TimeoutMessage;
      assert.deepEqual([fired instanceof TimeoutMessage, fired.timeout, fired.msg], [true, t7, 'tick']);
      assert.equal(await ctx.receive(null, 20_000), 'tock');
      assert.deepEqual([ctx.readTimer(t7), ctx.readTimer(t8)], [false, false]);
    });
  });
});

test('timer_bif_SUITE send_after_2: timers of different delays deliver in deadline order, not the order set', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.sendAfter(500, ctx.self(), 'last');
      for (const [ms, tag] of [[0, 'a0'], [200, 'a2'], [100, 'a1'], [400, 'a4'], [300, 'a3']] as const) ctx.sendAfter(ms, ctx.self(), tag);
      const got: unknown[] = [];
      while (got.at(-1) !== 'last') got.push(await ctx.receive(null, 20_000));
      assert.deepEqual(got, ['a0', 'a1', 'a2', 'a3', 'a4', 'last']);
    });
  });
});
