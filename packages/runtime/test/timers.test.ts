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

// Each timer's deadline lies between the clock read just before it was set plus its delay and the clock
// read just after: on a busy machine the processes start at different times, so the order asserted is
// the deadlines' order, whatever the gaps between the starts were (never a fixed expectation of them).
interface Window {
  id: number;
  earliest: number;
  latest: number;
}

function assertDeadlineOrder(fired: number[], windows: Window[]): void {
  const byId = new Map(windows.map((w) => [w.id, w]));
  for (let k = 1; k < fired.length; k++) {
    const [a, b] = [byId.get(fired[k - 1]!)!, byId.get(fired[k]!)!];
    assert.ok(a.earliest <= b.latest, `timer ${a.id} (deadline ≥ ${a.earliest.toFixed(2)}) fired before timer ${b.id} (deadline ≤ ${b.latest.toFixed(2)}): ${fired.join(', ')}`);
  }
}

test('many receive timeouts fire in deadline order through one shared timer', async () => {
  const order: number[] = [];
  const windows: Window[] = [];
  const delays = [30, 5, 20, 10, 25, 15];
  await withNode(async (node) => {
    await Promise.all(
      delays.map((d) =>
        node.run(async (ctx) => {
          const before = performance.now();
          const pending = ctx.receive(null, d);
          windows.push({ id: d, earliest: before + d, latest: performance.now() + d });
          await pending;
          order.push(d);
        }),
      ),
    );
  });
  assert.deepEqual([...order].sort((a, b) => a - b), [5, 10, 15, 20, 25, 30]);
  assertDeadlineOrder(order, windows);
});

test('random sendAfter timers arrive in deadline order and cancelled ones never arrive (property)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 25 }), fc.boolean()), { minLength: 1, maxLength: 12 }), async (plan) => {
      const windows: Window[] = [];
      const got = await inProcess(async (ctx) => {
        const me = ctx.self();
        const refs = plan.map(([ms], i) => {
          const before = performance.now();
          const ref = ctx.sendAfter(ms, me, i);
          windows.push({ id: i, earliest: before + ms, latest: performance.now() + ms });
          return ref;
        });
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
      const live = plan.flatMap(([, cancel], i) => (cancel ? [] : [i]));
      assert.deepEqual([...got].sort((a, b) => a - b), live, 'every live timer arrived once, no cancelled one');
      assertDeadlineOrder(got, windows);
    }),
    { numRuns: 15 },
  );
});

test('a timer of more than 24.8 days waits quietly: no TimeoutOverflowWarning and no 1 ms re-arming loop', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    const left = await inProcess(async (ctx) => {
      const ref = ctx.sendAfter(30 * 86_400_000, ctx.self(), 'in a month');
      // A receive with a 40-day timeout too: the session of an `otp trace --time` that long waits like this.
      const waiter = ctx.spawn(async (c) => void (await c.receive(null, 40 * 86_400_000)));
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      ctx.exit(waiter, 'kill');
      return ctx.readTimer(ref);
    });
    assert.ok(typeof left === 'number' && left > 29 * 86_400_000, `left ${left}`);
    assert.deepEqual(warnings.filter((w) => w === 'TimeoutOverflowWarning'), []);
  } finally {
    process.off('warning', onWarning);
  }
});
