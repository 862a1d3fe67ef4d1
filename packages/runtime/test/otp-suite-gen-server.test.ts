// Cases mirroring OTP's lib/stdlib/test/gen_server_SUITE.erl, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, ok, stop, CallError, isDown, TIMEOUT, type Down, type GenServer } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

type Args = { terminateThrows: boolean; events: string[] };
const server: GenServer<Args, 'stop_with_reply', never, string, Args> = {
  name: 'gen_server_SUITE',
  init: (args) => ok(args),
  handleCall: (_req, _from, s) => stop('normal', s, 'stopped'),
  terminate(reason, s) {
    s.events.push(`terminate ${String(reason)}`);
    if (s.terminateThrows) throw new Error('terminate crashed');
  },
};

test('gen_server_SUITE stop2: stop with another reason runs terminate with it and returns once the server is gone', async () => {
  await withNode(async (node) => {
    const events: string[] = [];
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, server, { terminateThrows: false, events });
      await genServer.stop(ctx, pid, 'other_reason', Infinity);
      assert.equal(ctx.isAlive(pid), false);
      await assert.rejects(genServer.stop(ctx, pid), (e: CallError) => e.failure === 'noproc');
    });
    assert.deepEqual(events, ['terminate other_reason']);
  });
});

test('gen_server_SUITE stop (terminate crashes): stop raises with the crash reason, as proc_lib:stop exits with it', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const events: string[] = [];
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, server, { terminateThrows: true, events });
      await assert.rejects(genServer.stop(ctx, pid), (e: CallError) => e instanceof CallError && e.failure instanceof Error && e.failure.message === 'terminate crashed');
      assert.equal(ctx.isAlive(pid), false);
    });
    assert.deepEqual(events, ['terminate normal']);
  });
});

test('gen_server_SUITE call_stop: {stop, Reason, Reply, State} from handle_call runs terminate before the caller gets the reply', async () => {
  await withNode(async (node) => {
    const events: string[] = [];
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, server, { terminateThrows: false, events });
      const ref = ctx.monitor(pid);
      const answer = await genServer.call(ctx, pid, 'stop_with_reply');
      events.push(`reply ${answer}`);
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.notEqual(down, TIMEOUT);
      assert.equal((down as Down).reason, 'normal');
    });
    assert.deepEqual(events, ['terminate normal', 'reply stopped']);
  });
});

test('gen_server_SUITE call_stop: the reply of a stop still reaches the caller when terminate crashes', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const events: string[] = [];
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, server, { terminateThrows: true, events });
      const ref = ctx.monitor(pid);
      assert.equal(await genServer.call(ctx, pid, 'stop_with_reply'), 'stopped');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.notEqual(down, TIMEOUT);
      assert.equal(((down as Down).reason as Error).message, 'terminate crashed');
    });
    assert.deepEqual(events, ['terminate normal']);
  });
});
