// Cases after OTP's lib/stdlib/test/gen_server_SUITE.erl (the undef_callbacks group, undef_in_terminate, stop1/stop3/stop4)
// that the other gen_server suites do not walk, each named after its case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, isDown, noreply, ok, reply, TIMEOUT, type CallError, type GenServer, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

// OTP's oc_server: a server whose optional callbacks are left out.
const bare: GenServer<null, 'ping', 'poke', string> = { name: 'oc_server', init: () => ok(null) };

async function downReason(ctx: ProcessContext, pid: Pid): Promise<unknown> {
  const ref = ctx.monitor(pid);
  const m = await ctx.receive((x) => isDown(x, ref), WAIT);
  assert.notEqual(m, TIMEOUT, `${pid} was expected to exit`);
  return (m as { reason: unknown }).reason;
}

const says = (re: RegExp) => (reason: unknown): boolean => reason instanceof Error && re.test(reason.message);

test('gen_server_SUITE undef_handle_call / undef_handle_cast / undef_handle_continue: a request the module has no callback for ends the server, naming what is missing', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const callee = await genServer.start(ctx, bare, undefined);
      await assert.rejects(genServer.call(ctx, callee, 'ping'), (e: CallError) => says(/oc_server got a call but has no handleCall/)(e.failure));
      assert.equal(ctx.isAlive(callee), false);
      const castee = await genServer.start(ctx, bare, undefined);
      const castDown = downReason(ctx, castee);
      genServer.cast(ctx, castee, 'poke');
      assert.ok(says(/oc_server got a cast but has no handleCast/)(await castDown));
      const continuing = await genServer.start(ctx, { ...bare, init: () => ok(null, { continue: 'more' }) }, undefined);
      assert.ok(says(/returned a continue action but has no handleContinue/)(await downReason(ctx, continuing)));
    });
  });
});

test('gen_server_SUITE undef_terminate1 / undef_terminate2: a server with no terminate stops with the reason asked, normal or not', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const first = await genServer.start(ctx, bare, undefined);
      await genServer.stop(ctx, first);
      assert.equal(ctx.isAlive(first), false);
      const second = await genServer.start(ctx, bare, undefined);
      const ref = ctx.monitor(second);
      await genServer.stop(ctx, second, { error: 'some_reason' }, Infinity);
      const down = await ctx.receive((x) => isDown(x, ref), WAIT);
      assert.deepEqual((down as { reason: unknown }).reason, { error: 'some_reason' });
    });
  });
});

test('gen_server_SUITE undef_in_terminate: a terminate that throws makes stop fail with that error, and the server is gone', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const throwing: GenServer<null, 'ping', never, string> = {
        name: 'oc_server',
        init: () => ok(null),
        handleCall: () => reply('pong', null),
        terminate() {
          throw new Error('undef in terminate');
        },
      };
      const pid = await genServer.start(ctx, throwing, undefined);
      await assert.rejects(genServer.stop(ctx, pid), (e: CallError) => says(/^undef in terminate$/)(e.failure));
      assert.equal(ctx.isAlive(pid), false);
    });
  });
});

test('gen_server_SUITE stop1 / stop3 / stop4: stopping what is gone is noproc; a timeout that is no time is refused and leaves the server running', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const server: GenServer<null, 'ping', never, string> = { name: 'stopped', init: () => ok(null), handleInfo: (_m, s) => noreply(s) };
      const pid = await genServer.start(ctx, server, undefined);
      await genServer.stop(ctx, pid);
      await assert.rejects(genServer.stop(ctx, pid), (e: CallError) => e.failure === 'noproc');
      const kept = await genServer.start(ctx, server, undefined);
      await assert.rejects(genServer.stop(ctx, kept, 'other_reason', -5), (e: Error & { code?: string }) => e.code === 'badarg' && /stop/.test(e.message));
      assert.equal(ctx.isAlive(kept), true, 'a refused stop stops nothing');
      await genServer.stop(ctx, kept);
      await genServer.start(ctx, server, undefined, { name: 'to_stop' });
      await genServer.stop(ctx, 'to_stop');
      await assert.rejects(genServer.stop(ctx, 'to_stop'), (e: CallError) => e.failure === 'noproc');
    });
  });
});
