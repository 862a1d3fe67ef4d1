import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pid, RuntimeError, TIMEOUT, TimeoutMessage, TimerResult, type ProcessContext, type Ref } from '@otp-ts/runtime';
import { inProcess } from './helpers.ts';

const nothingQueued = (ctx: ProcessContext): boolean => ctx.receiveNow() === TIMEOUT;

test('erlang start_timer: the message arrives as TimeoutMessage { timeout: ref, msg }, unlike sendAfter\'s bare message', async () => {
  await inProcess(async (ctx) => {
    const ref = ctx.startTimer(0, ctx.self(), { tick: 1 });
    const m = await ctx.receive((x): x is TimeoutMessage => x instanceof TimeoutMessage, 5000);
    assert.ok(m !== TIMEOUT && m.timeout === ref);
    assert.deepEqual(m.msg, { tick: 1 });
    ctx.sendAfter(0, ctx.self(), 'bare');
    assert.equal(await ctx.receive(null, 5000), 'bare');
  });
});

test('erlang start_timer: to a registered name, and badarg for a remote destination or a bad delay', async () => {
  await inProcess(async (ctx) => {
    ctx.register('me');
    const ref = ctx.startTimer(0, 'me', 'named');
    const m = await ctx.receive(null, 5000);
    assert.ok(m instanceof TimeoutMessage && m.timeout === ref && m.msg === 'named');
    assert.throws(() => ctx.startTimer(0, new Pid(3, 1, 0), 'x'), RuntimeError);
    assert.throws(() => ctx.startTimer(-1, ctx.self(), 'x'), RuntimeError);
  });
});

test('erlang read_timer: milliseconds left while pending, false once cancelled or fired', async () => {
  await inProcess(async (ctx) => {
    const ref = ctx.startTimer(60_000, ctx.self(), 'later');
    const left = ctx.readTimer(ref);
    assert.ok(typeof left === 'number' && left > 0 && left <= 60_000, `left: ${String(left)}`);
    assert.equal(typeof ctx.cancelTimer(ref), 'number');
    assert.equal(ctx.readTimer(ref), false);
    const fired = ctx.sendAfter(0, ctx.self(), 'now');
    await ctx.receive(null, 5000);
    assert.equal(ctx.readTimer(fired), false);
    assert.equal(ctx.cancelTimer(fired), false, 'a fired timer cannot be cancelled');
  });
});

test('erlang cancel_timer/2: info false answers ok, async sends the result as a TimerResult, async without info sends nothing', async () => {
  await inProcess(async (ctx) => {
    assert.equal(ctx.cancelTimer(ctx.startTimer(60_000, ctx.self(), 'a'), { info: false }), 'ok');
    assert.ok(nothingQueued(ctx));
    const ref = ctx.startTimer(60_000, ctx.self(), 'b');
    assert.equal(ctx.cancelTimer(ref, { async: true }), 'ok');
    const m = await ctx.receive(null, 5000);
    assert.ok(m instanceof TimerResult && m.type === 'cancelTimer' && m.ref === ref && typeof m.result === 'number');
    assert.equal(ctx.cancelTimer(ctx.startTimer(60_000, ctx.self(), 'c'), { async: true, info: false }), 'ok');
    assert.ok(nothingQueued(ctx));
    assert.equal(ctx.cancelTimer(ref, { async: false, info: true }), false, 'already cancelled');
  });
});

test('erlang read_timer/2: async answers ok and sends the result as a TimerResult', async () => {
  await inProcess(async (ctx) => {
    const ref = ctx.startTimer(60_000, ctx.self(), 'x');
    assert.equal(ctx.readTimer(ref, { async: true }), 'ok');
    const m = await ctx.receive(null, 5000);
    assert.ok(m instanceof TimerResult && m.type === 'readTimer' && m.ref === ref && typeof m.result === 'number');
    ctx.cancelTimer(ref);
  });
});

test('docs/runtime.md example: a timer that can be asked about and cancelled', async () => {
  await inProcess(async (ctx) => {
    // The example's code, as in the docs:
    const ref = ctx.startTimer(30_000, ctx.self(), 'retry');
    const left = ctx.readTimer(ref); // ms left, or false once fired or cancelled
    ctx.cancelTimer(ref, { async: true }); // 'ok'; a TimerResult { type: 'cancelTimer', ref, result } follows
    const m = await ctx.receive((x): x is TimerResult => x instanceof TimerResult);
    assert.equal(typeof left, 'number');
    assert.equal(m.ref, ref);
  });
});

test('timer_bif_SUITE: cancel_timer / read_timer of something that is no timer Ref is badarg; any process may cancel a timer by its Ref', async () => {
  await inProcess(async (ctx) => {
    for (const bad of [undefined, 'x', 42, { ref: 1 }]) {
      assert.throws(() => ctx.cancelTimer(bad as never), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /cancelTimer needs the Ref that sendAfter or startTimer returned/.test(e.message));
      assert.throws(() => ctx.readTimer(bad as never), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /readTimer needs the Ref/.test(e.message));
      assert.throws(() => ctx.cancelTimer(bad as never, { async: true }), RuntimeError);
    }
    assert.equal(ctx.cancelTimer(ctx.makeRef()), false, 'a Ref that names no timer is false, as OTP');
    const other = ctx.spawn(async (c) => {
      const ref = c.sendAfter(60_000, c.self(), 'late');
      c.send(ctx.self(), { ref });
      await c.receive((m) => m === 'never');
    });
    const got = (await ctx.receive((m): m is { ref: Ref } => typeof m === 'object' && m !== null && 'ref' in m, 5000)) as { ref: Ref };
    const left = ctx.cancelTimer(got.ref);
    assert.ok(typeof left === 'number' && left > 0 && left <= 60_000);
    ctx.exit(other, 'kill');
    assert.ok(nothingQueued(ctx));
  });
});

test('erlang send_after/start_timer: a time that is no non-negative integer (1.5, -1, NaN, Infinity, a string) is badarg naming it, and no timer is set', async () => {
  await inProcess(async (ctx) => {
    const pending = ctx.node.pendingTimers;
    for (const bad of [1.5, 0.1, -1, Number.NaN, Infinity, '10' as unknown as number]) {
      for (const set of [() => ctx.sendAfter(bad, ctx.self(), 'x'), () => ctx.startTimer(bad, ctx.self(), 'x')]) {
        assert.throws(set, (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /whole number of milliseconds/.test(e.message) && e.message.includes(String(bad)), `time ${String(bad)}`);
      }
    }
    assert.equal(ctx.node.pendingTimers, pending, 'a refused time set no timer');
    ctx.sendAfter(0, ctx.self(), 'whole');
    assert.equal(await ctx.receive(null, 5000), 'whole');
  });
});
