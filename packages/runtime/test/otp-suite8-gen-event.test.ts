// Cases mirroring OTP's lib/stdlib/test/gen_event_SUITE.erl not covered before, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, sys, type GenEventHandler, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const WAIT = 20_000;

/** OTP's dummy_h, as its hibernate case uses it: 'hibernate' asks the manager to hibernate, 'wakeup' does not. */
const sleepy: GenEventHandler<string, string, string, string, boolean, void> = {
  name: 'dummy_h',
  init: (hibernate) => genEvent.ok('s', hibernate ? 'hibernate' : undefined),
  handleEvent: (event, s) => genEvent.ok(s, event === 'hibernate' ? 'hibernate' : undefined),
  handleCall: (req, s) => (req === 'hibernate' ? genEvent.reply('true', s, 'hibernate') : genEvent.reply('false', s)),
  handleInfo: (msg, s) => genEvent.ok(s, msg === 'sleep' ? 'hibernate' : undefined),
};

async function until(ctx: ProcessContext, pid: Pid, what: string): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (ctx.processInfo(pid)?.currentFunction !== what && Date.now() < deadline) await ctx.sleep(1);
  assert.equal(ctx.processInfo(pid)?.currentFunction, what);
}

test('gen_event_SUITE: hibernate — a handler result with hibernate (init, event, call, info) hibernates the manager until the next message; sys requests leave it hibernated', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, sleepy, false);
      assert.equal(await genEvent.call(ctx, mgr, sleepy, 'hibernate'), 'true');
      await until(ctx, mgr, 'erlang.hibernate');
      ctx.send(mgr, 'wake');
      await until(ctx, mgr, 'gen_event.loop');
      genEvent.notify(ctx, mgr, 'hibernate');
      await until(ctx, mgr, 'erlang.hibernate');
      genEvent.notify(ctx, mgr, 'wakeup');
      await until(ctx, mgr, 'gen_event.loop');
      await genEvent.syncNotify(ctx, mgr, 'hibernate');
      await until(ctx, mgr, 'erlang.hibernate');
      ctx.send(mgr, 'sleep');
      await until(ctx, mgr, 'erlang.hibernate');
      await sys.suspend(ctx, mgr);
      await sys.resume(ctx, mgr);
      await until(ctx, mgr, 'erlang.hibernate');
      assert.equal(await genEvent.call(ctx, mgr, sleepy, 'x'), 'false');
      await until(ctx, mgr, 'gen_event.loop');
      await genEvent.stop(ctx, mgr);
      const second = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, second, sleepy, true);
      await until(ctx, second, 'erlang.hibernate');
      await genEvent.stop(ctx, second);
    });
  });
});
