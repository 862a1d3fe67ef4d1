// Adversarial cases for gen_server's multiCall: whatever the timeout, no reply may stay behind in the
// caller's mailbox (OTP's multi_call and receive_response take a reply that arrived as they gave up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, ok, reply, RuntimeError, TIMEOUT, type GenServer, type ProcessContext } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const echo: GenServer<null, string, never, [string, string]> = {
  init: () => ok(null),
  handleCall: (req, _from, s) => reply(['pong', req], s),
};

// Everything waiting in the caller's mailbox, without waiting for more.
async function leftovers(ctx: ProcessContext): Promise<unknown[]> {
  const got: unknown[] = [];
  for (;;) {
    const m = await ctx.receive(null, 0);
    if (m === TIMEOUT) return got;
    got.push(m);
  }
}

test('gen_server_SUITE: multi_call with a timeout of 0 (or one already past) leaves no reply in the mailbox; a reply it took counts', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await genServer.start(ctx, echo, undefined, { name: 'adv_mc_echo' });
      for (const timeoutMs of [0, -5]) {
        const result = await genServer.multiCall<[string, string]>(ctx, [node.name, node.name], 'adv_mc_echo', 'ping', timeoutMs);
        assert.equal(result.replies.length + result.badNodes.length, 2);
        for (const [, r] of result.replies) assert.deepEqual(r, ['pong', 'ping']);
        // Let the server run and any late reply arrive; none may enter the mailbox.
        await genServer.call(ctx, 'adv_mc_echo', 'sync');
        assert.deepEqual(await leftovers(ctx), [], `timeout ${timeoutMs}`);
      }
    }),
  );
});

test('gen_server_SUITE: multi_call with a timeout that is not a number fails before sending, so no reply arrives later', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await genServer.start(ctx, echo, undefined, { name: 'adv_mc_echo2' });
      await assert.rejects(genServer.multiCall(ctx, 'adv_mc_echo2', 'ping', Number.NaN), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /timeout/.test(e.message));
      await genServer.call(ctx, 'adv_mc_echo2', 'sync');
      assert.deepEqual(await leftovers(ctx), []);
    }),
  );
});
