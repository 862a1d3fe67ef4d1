// A runtime call that leaves out its process context (an easy slip at the otp shell) says so, naming the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, ok, supervisor, type GenServer, type ProcessContext } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const NO_CTX = /the first argument must be the process context \(ctx\), not 'shop_sup'/;

test('a call without ctx (supervisor.startChild(\'shop_sup\', spec)) says the first argument must be the process context', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const srv: GenServer<null> = { init: () => ok(null) };
      await genServer.start(ctx, srv, undefined, { name: 'shop_sup' });
      const spec = { id: 'a', start: () => Promise.resolve(ctx.self()) };
      const noCtx = 'shop_sup' as unknown as ProcessContext;
      await assert.rejects(supervisor.startChild(noCtx, spec as never, [] as never), NO_CTX);
      await assert.rejects(genServer.call(noCtx, { id: 1 } as never, 'x'), NO_CTX);
      assert.throws(() => genServer.cast(noCtx, { id: 1 } as never, 'x'), NO_CTX);
      await genServer.stop(ctx, 'shop_sup');
    });
  });
});
