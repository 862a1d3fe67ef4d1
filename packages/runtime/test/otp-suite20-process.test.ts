// Cases translated from ERTS's process tests and OTP's receive semantics: a receive timeout that is no number >= 0
// nor infinity (`receive after -1`) exits the process `timeout_value`, and nothing is taken. Unlike OTP, a fraction of
// a ms (1.5) is taken: a JS number has no integer type, and a deadline less performance.now() is one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, isDown, type RuntimeError } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

test('receive with a negative or NaN timeout is badarg when caught and takes nothing; a fractional one times out', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.send(ctx.self(), 'waiting');
      for (const bad of [-0.5, -1, NaN]) {
        assert.throws(() => void ctx.receive((m) => m === 'never', bad), (e: unknown) => (e as RuntimeError).code === 'badarg' && /milliseconds >= 0/.test((e as Error).message), `receive timeout ${bad}`);
      }
      assert.equal(await ctx.receive((m) => m === 'never', 1.5), TIMEOUT);
      assert.equal(await ctx.receive(null, 0), 'waiting', 'the refused receives took nothing');
    });
  });
});

test('a process whose receive timeout is -1 or NaN exits timeout_value, as OTP', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      for (const bad of [-1, NaN]) {
        const [pid, ref] = ctx.spawnMonitor(async (c) => {
          await c.receive(null, bad);
        });
        const down = await ctx.receive((m) => isDown(m, ref), 20_000);
        assert.notEqual(down, TIMEOUT);
        assert.equal((down as { reason: unknown }).reason, 'timeout_value', `receive after ${bad} (${String(pid)})`);
      }
    });
  });
});
