// Adversarial cases for calls that give up: OTP's gen:call and receive_response deactivate the request's
// alias when the wait ends, so no reply ever surfaces in a later receive — even one that arrived as the
// wait gave up. And a call's target must be a server reference: OTP's gen:call of a ref fails with badarg.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallError, genServer, RuntimeError } from '@otp-ts/runtime';
import { echo, leftovers, withNode } from './helpers.ts';

const WAIT = 30_000;

test('gen_server_SUITE: call with a timeout of 0 to a server that answers at once times out, and its reply never enters the mailbox', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, echo, undefined);
      await assert.rejects(genServer.call(ctx, srv, 'now', 0), (e: unknown) => e instanceof CallError && e.failure === 'timeout');
      // The server has answered by now (this call is served after the first).
      assert.deepEqual(await genServer.call(ctx, srv, 'sync'), ['pong', 'sync']);
      assert.deepEqual(await leftovers(ctx), []);
    }),
  );
});

test('gen_server_SUITE: receive_response with a timeout of 0 answers timeout, and the reply never enters the mailbox', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, echo, undefined);
      const id = genServer.sendRequest(ctx, srv, 'now');
      assert.equal(await genServer.receiveResponse(ctx, id, 0), 'timeout');
      assert.deepEqual(await genServer.call(ctx, srv, 'sync'), ['pong', 'sync']);
      assert.deepEqual(await leftovers(ctx), []);
    }),
  );
});

test('gen_server_SUITE: a call whose target is an alias (a ref) fails with badarg and sends nothing', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const me = ctx.self();
      const holder = ctx.spawn(async (c) => {
        c.send(me, ['alias', c.alias()]);
        c.send(me, ['holder got', await c.receive()]);
      });
      const [, alias] = (await ctx.receive((m) => Array.isArray(m) && m[0] === 'alias', WAIT)) as [string, never];
      await assert.rejects(genServer.call(ctx, alias, 'hello', 1000), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /is a ref, not a server reference/.test(e.message));
      assert.throws(() => genServer.sendRequest(ctx, alias, 'hello'), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg');
      // The holder got nothing from either: the next thing it receives is this.
      ctx.send(holder, 'plain');
      assert.deepEqual(await ctx.receive((m) => Array.isArray(m) && m[0] === 'holder got', WAIT), ['holder got', 'plain']);
    }),
  );
});
