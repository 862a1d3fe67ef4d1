// After OTP's gen_event: add_sup_handler links the caller before the handler's init runs, so a caller that dies
// during a slow init has its handler removed with {stop, ItsReason}, not noproc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, type GenEventHandler, type Pid } from '@otp-ts/runtime';
import { ended, quietLogs, withNode } from './helpers.ts';

test('a supervising caller that dies while its handler init waits gets the handler removed with its own reason', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const ends: unknown[] = [];
    const slow: GenEventHandler<null, string, never, never, Pid> = {
      name: 'slow_init',
      async init(tester, ctx) {
        ctx.send(tester, 'in init');
        await ctx.receive((m) => m === 'go');
        return genEvent.ok(null);
      },
      handleEvent: (_ev, s) => genEvent.ok(s),
      terminate: (arg) => void ends.push(arg),
    };
    await node.run(async (ctx) => {
      const mgr = await genEvent.start<string>(ctx);
      const owner = ctx.spawn(async (c) => {
        await genEvent.addSupHandler(c, mgr, slow, ctx.self());
      });
      await ctx.receive((m) => m === 'in init');
      ctx.exit(owner, 'boom');
      await ended(ctx, owner);
      ctx.send(mgr, 'go');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
      assert.deepEqual(ends, [{ stop: 'boom' }]);
      await genEvent.stop(ctx, mgr);
    });
  });
});
