// gen_statem's hibernateAfter start option, as OTP's {hibernate_after, Ms} (gen_statem_SUITE hibernate cases).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, type GenStatem, type Pid } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const m: GenStatem<string, number, 'bump', number, number, void> = {
  name: 'idle_statem',
  callbackMode: 'handleEvent',
  init: () => genStatem.ok('on', 0),
  handleEvent: (e, _state, n) => (e.type === 'call' ? genStatem.keepState(n + 1, [{ reply: [e.from, n + 1] }]) : genStatem.keepStateAndData()),
};

test('gen_statem_SUITE hibernate_after: a machine started with hibernateAfter hibernates once idle, and again after each event', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const deadline = Date.now() + 30_000;
      const hibernated = async (pid: Pid): Promise<boolean> => {
        while (ctx.processInfo(pid)!.currentFunction !== 'erlang.hibernate' && Date.now() < deadline) await ctx.sleep(5);
        return ctx.processInfo(pid)!.currentFunction === 'erlang.hibernate';
      };
      const pid = await genStatem.start(ctx, m, undefined, { hibernateAfter: 20 });
      assert.ok(await hibernated(pid), 'idle after init: hibernated');
      assert.equal(await genStatem.call(ctx, pid, 'bump'), 1, 'woken with its data');
      assert.ok(await hibernated(pid), 'idle again: hibernated again');
      assert.equal(await genStatem.call(ctx, pid, 'bump'), 2);
    });
  });
});
