import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TIMEOUT } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

// A mailbox longer than one of its arrays (4,096 messages) continues in further arrays: receives, selective
// receives, receiveNow, demonitor's flush and the introspection (messageQueueLen, node.messages) must see
// one queue in arrival order whatever the split, as a plain array model does.

type Op =
  | { op: 'send'; n: number }
  | { op: 'take'; at: number }
  | { op: 'takeAny' }
  | { op: 'takeNow'; at: number }
  | { op: 'flushDown' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('send' as const), n: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1000, max: 9000 })) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('take' as const), at: fc.integer({ min: 0, max: 100_000 }) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'takeAny' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('takeNow' as const), at: fc.integer({ min: 0, max: 100_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'flushDown' as const }) },
);

test('a long mailbox behaves as one queue in arrival order: receive, selective receive, receiveNow, flush and introspection (property)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
      await withNode(async (node) => {
        await node.run(async (ctx) => {
          const me = ctx.self();
          // The model: the numbers waiting, in order.
          const model: number[] = [];
          let next = 0;
          for (const o of ops) {
            if (o.op === 'send') {
              for (let i = 0; i < o.n; i++) {
                ctx.send(me, next);
                model.push(next++);
              }
            } else if (o.op === 'takeAny') {
              const got = await ctx.receive(null, 0);
              assert.equal(got, model.length > 0 ? model.shift() : TIMEOUT);
            } else if (o.op === 'flushDown') {
              // A monitor's Down queued behind the numbers (taken and sent again, so it is last): demonitor's flush removes it.
              const ref = ctx.monitor(ctx.spawn(() => undefined));
              const down = await ctx.receive((m) => typeof m === 'object' && m !== null, 30_000);
              ctx.send(me, down);
              ctx.demonitor(ref, { flush: true });
            } else {
              // The message at a position anywhere in the queue, or (one past the end) none.
              const target = model[o.at % (model.length + 1)] ?? -1;
              const match = (m: unknown): boolean => m === target;
              const got = o.op === 'take' ? await ctx.receive(match, 0) : ctx.receiveNow(match);
              const at = model.findIndex(match);
              if (o.op === 'takeNow' && got === TIMEOUT && at >= 0) continue; // receiveNow may decline once the budget is spent
              assert.equal(got, at >= 0 ? model[at] : TIMEOUT);
              if (at >= 0) model.splice(at, 1);
            }
            assert.equal(ctx.processInfo(me)?.messageQueueLen, model.length);
          }
          const waiting = node.messages(me, Infinity);
          assert.equal(waiting.length, model.length);
          assert.deepEqual(waiting, model);
          assert.deepEqual(node.messages(me, 5000).length, Math.min(5000, model.length));
        });
      });
    }),
    { numRuns: 40 },
  );
});
