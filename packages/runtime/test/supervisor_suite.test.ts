// Cases translated from OTP's lib/stdlib/test/supervisor_SUITE.erl, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { supervisor, isDown, Exit, TIMEOUT, type Down, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { ended, notes, quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

// A child that traps exits: on its parent's shutdown it notes whether it is still linked to the parent and
// waits for a 'done' before it ends; any other exit of its parent ends it at once with that reason.
function slowChild(test: Pid) {
  return (c: ProcessContext): Pid =>
    c.spawn(
      async (me) => {
        me.trapExit(true);
        for (;;) {
          const m = await me.receive();
          if (!(m instanceof Exit)) continue;
          if (m.reason === 'shutdown') {
            const linked = me.processInfo(me.self())?.links.some((l) => l.equals(m.from)) ?? false;
            me.send(test, { note: `shutdown, linked ${String(linked)}` });
            const next = await me.receive((x) => x === 'done' || x instanceof Exit, WAIT);
            me.exit(next === TIMEOUT || next === 'done' ? 'shutdown' : (next as Exit).reason);
          }
          me.exit(m.reason);
        }
      },
      { link: true },
    );
}

test('terminate_child: the child stays linked to its supervisor while it shuts down (OTP 25\'s supervisor), so a supervisor killed meanwhile still takes it down', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, { init: () => ({ flags: {}, children: [{ id: 'slow', shutdown: 'infinity', start: slowChild(ctx.self()) }] }) }, undefined);
      const child = (await supervisor.whichChildren(ctx, sup))[0]!.pid as Pid;
      const ref = ctx.monitor(child);
      ctx.spawn(async (c) => {
        await supervisor.terminateChild(c, sup, 'slow').catch(() => undefined);
      });
      assert.deepEqual(await notes(ctx, 1), ['shutdown, linked true']);
      // The supervisor dies while the child is still stopping: the link carries its exit to the child.
      ctx.exit(sup, 'kill');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.notEqual(down, TIMEOUT, 'the child ended with its supervisor instead of staying an orphan');
      assert.equal((down as Down).reason, 'killed');
      await ended(ctx, sup);
    });
  });
});
