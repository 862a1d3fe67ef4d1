// gen_server_SUITE-style cases on call's arguments: OTP's gen:call guards its timeout (infinity or an
// integer >= 0), so a bad one raises before any request is sent or any monitor is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, ok, reply, RuntimeError, TIMEOUT, type GenServer } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const counter: GenServer<number, 'bump' | 'count', never, number> = {
  init: () => ok(0),
  handleCall: (req, _from, n) => (req === 'bump' ? reply(n + 1, n + 1) : reply(n, n)),
};

test('gen_server_SUITE call: a negative or NaN timeout raises badarg before the request is sent, and leaves no monitor behind', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genServer.start(ctx, counter, undefined);
      for (const bad of [-1, NaN, -Infinity]) {
        await assert.rejects(genServer.call(ctx, pid, 'bump', bad), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /not sent/.test(e.message));
        await assert.rejects(genStatem.call(ctx, pid, 'bump', bad), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg');
      }
      assert.equal(await genServer.call(ctx, pid, 'count'), 0, 'no bad call reached the server');
      await genServer.stop(ctx, pid);
      assert.equal(await ctx.receive(null, 0), TIMEOUT, 'no DOWN of a leaked call monitor');
    }),
  );
});
