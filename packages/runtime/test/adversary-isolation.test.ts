// Adversarial messages under message isolation (dev and test profiles): legal JavaScript values whose
// freezing must never throw inside the runtime's delivery, which may run in a timer (sendAfter), where a
// throw ends the Node.js process. The value reaches the receiver, as OTP delivers any term.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setMessageIsolation, TIMEOUT } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const WAIT = 30_000;

async function isolated<T>(body: () => Promise<T>): Promise<T> {
  const was = setMessageIsolation(true);
  try {
    return await body();
  } finally {
    setMessageIsolation(was);
  }
}

test('message isolation: a message with a getter that throws is delivered, by send and by a sendAfter timer, and the getter still throws for its reader', async () => {
  await isolated(() =>
    withNode((node) =>
      node.run(async (ctx) => {
        const message = {
          kind: 'lazy',
          get secret(): string {
            throw new Error('not readable yet');
          },
        };
        ctx.send(ctx.self(), message);
        ctx.sendAfter(1, ctx.self(), message);
        for (let i = 0; i < 2; i++) {
          const got = await ctx.receive((m) => m === message, WAIT);
          assert.notEqual(got, TIMEOUT);
        }
        assert.throws(() => message.secret, /not readable yet/);
        assert.ok(Object.isFrozen(message));
      }),
    ),
  );
});

test('message isolation: a proxy that refuses to be frozen is delivered as it is (by send and by a timer)', async () => {
  await isolated(() =>
    withNode((node) =>
      node.run(async (ctx) => {
        const target = { n: 1 };
        const proxy = new Proxy(target, {
          preventExtensions(): boolean {
            throw new Error('this proxy stays open');
          },
        });
        ctx.send(ctx.self(), { proxy });
        ctx.sendAfter(1, ctx.self(), proxy);
        const first = (await ctx.receive(null, WAIT)) as { proxy: typeof proxy };
        assert.equal(first.proxy, proxy);
        assert.equal(await ctx.receive((m) => m === proxy, WAIT), proxy);
      }),
    ),
  );
});

test('message isolation: an object under a symbol key is frozen like one under a string key', async () => {
  await isolated(() =>
    withNode((node) =>
      node.run(async (ctx) => {
        const key = Symbol('payload');
        const inner = { qty: 1 };
        ctx.send(ctx.self(), { [key]: inner });
        await ctx.receive(null, WAIT);
        assert.throws(() => {
          inner.qty = 2;
        }, TypeError);
      }),
    ),
  );
});

test('message isolation: erlang:send_after and start_timer copy at the call, so a change after sendAfter or startTimer throws there and the receiver gets what was set', async () => {
  await isolated(() =>
    withNode((node) =>
      node.run(async (ctx) => {
        const order = { qty: 1 };
        ctx.sendAfter(1, ctx.self(), order);
        assert.throws(() => {
          order.qty = 2;
        }, TypeError);
        assert.deepEqual(await ctx.receive(null, WAIT), { qty: 1 });
        const job = { step: 'a' };
        ctx.startTimer(1, ctx.self(), job);
        assert.throws(() => {
          job.step = 'b';
        }, TypeError);
        const fired = (await ctx.receive(null, WAIT)) as { msg: unknown };
        assert.deepEqual(fired.msg, { step: 'a' });
      }),
    ),
  );
});
