// Cases mirroring OTP's timer module (lib/stdlib/test/timer_SUITE.erl and timer's documented one-shot timers):
// send_after, apply_after and exit_after, their refs and cancel's answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, isDown, isExit, timer, type Exit, type RuntimeError } from '@otp-ts/runtime';
import { withNode, idle } from './helpers.ts';

test('timer_SUITE a_t: timer.sendAfter delivers once; cancel answers true while it is pending, false once it fired', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const ref = timer.sendAfter(ctx, 0, ctx.self(), 'now');
      assert.equal(await ctx.receive((m) => m === 'now', 20_000), 'now');
      assert.equal(timer.cancel(ctx, ref), false, 'a fired timer cannot be cancelled');
      const later = timer.sendAfter(ctx, 60_000, ctx.self(), 'never');
      assert.equal(timer.cancel(ctx, later), true);
      assert.equal(timer.cancel(ctx, later), false, 'a second cancel answers false');
      const named = timer.sendAfter(ctx, 60_000, 'nobody', 'never');
      assert.equal(timer.cancel(ctx, named), true);
      assert.equal(await ctx.receive(null, 0), TIMEOUT);
    });
  });
});

test('timer apply_after: the function runs in a new process once, even after the caller ended; a cancelled one never runs', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const starter = ctx.spawn(async (c) => {
        timer.applyAfter(c, 0, (run) => run.send(me, { ran: run.self() }));
      });
      const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'ran' in x, 20_000)) as { ran: unknown };
      assert.notEqual(m.ran, starter, 'the function runs in a process of its own');
      assert.equal(ctx.isAlive(starter), false, 'the caller had ended');
      const ref = timer.applyAfter(ctx, 60_000, (run) => run.send(me, 'ran'));
      assert.equal(timer.cancel(ctx, ref), true);
      assert.equal(timer.cancel(ctx, ref), false);
      assert.throws(() => timer.applyAfter(ctx, 10, 'f' as never), (e: RuntimeError) => e.code === 'badarg');
      assert.throws(() => timer.applyAfter(ctx, 1.5, () => {}), (e: RuntimeError) => e.code === 'badarg');
    });
  });
});

test('timer exit_after / kill_after: the exit signal reaches the target later, trapped as a message or killing it', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const victim = ctx.spawn(idle);
      const ref = ctx.monitor(victim);
      timer.exitAfter(ctx, 0, victim, 'kill');
      const down = await ctx.receive((m) => isDown(m, ref), 20_000);
      assert.ok(isDown(down));
      assert.equal(down.reason, 'killed');
      ctx.trapExit(true);
      timer.exitAfter(ctx, 0, ctx.self(), 'later');
      const exit = (await ctx.receive(isExit, 20_000)) as Exit;
      assert.equal(exit.reason, 'later');
      assert.throws(() => timer.exitAfter(ctx, 0, 'name' as never, 'x'), (e: RuntimeError) => e.code === 'badarg');
    });
  });
});
