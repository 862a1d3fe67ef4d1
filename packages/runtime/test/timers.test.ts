import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TIMEOUT } from '@otp-ts/runtime';
import { withNode, inProcess, tick } from './helpers.ts';

test('sendAfter delivers after the delay; cancelTimer returns the time left and stops it', async () => {
  const got = await inProcess(async (ctx) => {
    const me = ctx.self();
    const t0 = Date.now();
    ctx.sendAfter(20, me, 'late');
    const m = await ctx.receive();
    const elapsed = Date.now() - t0;
    const ref = ctx.sendAfter(50, me, 'cancelled');
    const left = ctx.cancelTimer(ref);
    const again = ctx.cancelTimer(ref);
    const none = await ctx.receive(null, 80);
    return { m, elapsed, left, again, none };
  });
  assert.equal(got.m, 'late');
  assert.ok(got.elapsed >= 15, `elapsed ${got.elapsed}`);
  assert.ok(typeof got.left === 'number' && got.left > 0 && got.left <= 50, `left ${got.left}`);
  assert.equal(got.again, false);
  assert.equal(got.none, TIMEOUT);
});

test('sendAfter to a registered name resolves the name when it fires', async () => {
  const got = await inProcess(async (ctx) => {
    ctx.sendAfter(5, 'later', 'hi');
    ctx.register('later');
    return ctx.receive(null, 100);
  });
  assert.equal(got, 'hi');
});

test('sleep suspends the process while messages keep arriving', async () => {
  const got = await inProcess(async (ctx) => {
    const me = ctx.self();
    ctx.sendAfter(5, me, 'during sleep');
    const t0 = Date.now();
    await ctx.sleep(30);
    return [Date.now() - t0 >= 25, ctx.processInfo(me)!.messageQueueLen, await ctx.receive()];
  });
  assert.deepEqual(got, [true, 1, 'during sleep']);
});

test('a receive timeout never fires for a process that died: no pending timers are left', async () => {
  await withNode(async (node) => {
    const pid = node.spawn(async (ctx) => {
      await ctx.receive(null, 10_000);
    });
    const sleeper = node.spawn(async (ctx) => ctx.sleep(10_000));
    await tick();
    assert.equal(node.pendingTimers, 2);
    node.exit(pid, 'kill');
    node.exit(sleeper, 'kill');
    assert.equal(node.pendingTimers, 0);
  });
});

test('many receive timeouts fire in deadline order through one shared timer', async () => {
  const order: number[] = [];
  await withNode(async (node) => {
    const delays = [30, 5, 20, 10, 25, 15];
    await Promise.all(
      delays.map((d) =>
        node.run(async (ctx) => {
          await ctx.receive(null, d);
          order.push(d);
        }),
      ),
    );
  });
  assert.deepEqual(order, [5, 10, 15, 20, 25, 30]);
});

test('random sendAfter timers arrive in deadline order and cancelled ones never arrive (property)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 25 }), fc.boolean()), { minLength: 1, maxLength: 12 }), async (plan) => {
      const got = await inProcess(async (ctx) => {
        const me = ctx.self();
        const refs = plan.map(([ms], i) => ctx.sendAfter(ms, me, i));
        plan.forEach(([, cancel], i) => {
          if (cancel) ctx.cancelTimer(refs[i]!);
        });
        // Wait for every timer that should fire (generously: the machine may be busy), then a while more:
        // a cancelled one that fired anyway would show up.
        const live = plan.filter(([, cancel]) => !cancel).length;
        const out: number[] = [];
        while (out.length < live) {
          const m = await ctx.receive(null, 5000);
          if (m === TIMEOUT) break;
          out.push(m as number);
        }
        for (let m = await ctx.receive(null, 40); m !== TIMEOUT; m = await ctx.receive(null, 40)) out.push(m as number);
        return out;
      });
      const expected = plan
        .map(([ms, cancel], i) => ({ ms, cancel, i }))
        .filter((e) => !e.cancel)
        .sort((a, b) => a.ms - b.ms || a.i - b.i)
        .map((e) => e.i);
      assert.deepEqual(got, expected);
    }),
    { numRuns: 15 },
  );
});
