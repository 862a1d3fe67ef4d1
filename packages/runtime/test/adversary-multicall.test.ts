// Adversarial cases for gen_server's multiCall: whatever the timeout, no reply may stay behind in the
// caller's mailbox (OTP's multi_call and receive_response take a reply that arrived as they gave up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, RuntimeError } from '@otp-ts/runtime';
import { echo, leftovers, withNode } from './helpers.ts';

// A negative timeout is refused before anything is sent, as OTP's multi_call guard (otp-suite10-gen-server.test.ts).
test('gen_server_SUITE: multi_call with a timeout of 0 leaves no reply in the mailbox; a reply it took counts', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await genServer.start(ctx, echo, undefined, { name: 'adv_mc_echo' });
      for (const timeoutMs of [0]) {
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
