import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDUCTION_BUDGET } from '@otp-ts/runtime';

import { withNode } from './helpers.ts';

test('two processes ping-ponging forever still let timers and I/O run', async () => {
  await withNode(async (node) => {
    let roundTrips = 0;
    let stop = false;
    const pong = node.spawn(async (ctx) => {
      for (;;) {
        const from = await ctx.receive();
        ctx.send(from as never, 'pong');
      }
    });
    node.spawn(async (ctx) => {
      while (!stop) {
        ctx.send(pong, ctx.self());
        await ctx.receive();
        roundTrips++;
      }
    });
    // Without yielding, the microtask queue would never empty and these timers would never fire.
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      seen.push(roundTrips);
    }
    stop = true;
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `no progress between timers: ${seen.join(', ')}`);
  });
});

test('a process draining a long mailbox yields to others between budgets', async () => {
  await withNode(async (node) => {
    const events: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const sink = node.spawn(async (ctx) => {
      for (let i = 0; i < 10 * REDUCTION_BUDGET; i++) await ctx.receive();
      events.push('sink done');
      done();
    });
    for (let i = 0; i < 10 * REDUCTION_BUDGET; i++) node.send(sink, i);
    setImmediate(() => events.push('immediate'));
    await finished;
    assert.deepEqual(events, ['immediate', 'sink done']);
  });
});
