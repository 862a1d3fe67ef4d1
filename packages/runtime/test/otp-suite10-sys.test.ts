// Cases mirroring OTP's lib/stdlib/test/sys_SUITE.erl not covered before, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, noreply, ok, reply, sys, type GenServer } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const counter: GenServer<number, 'bump', 'note', number> = {
  name: 'stats_counter',
  init: () => ok(0),
  handleCall: (_req, _from, n) => reply(n + 1, n + 1),
  handleCast: (_req, n) => noreply(n),
};

test('sys_SUITE: stats — switching statistics on while they are on keeps the counts (OTP installs the option once); off and on again starts afresh', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, counter, undefined);
      await sys.statistics(ctx, pid, true);
      await genServer.call(ctx, pid, 'bump');
      genServer.cast(ctx, pid, 'note');
      await genServer.call(ctx, pid, 'bump');
      const before = await sys.statistics(ctx, pid, 'get');
      assert.deepEqual(before && [before.messagesIn, before.messagesOut], [3, 2]);
      await sys.statistics(ctx, pid, true);
      await genServer.call(ctx, pid, 'bump');
      const after = await sys.statistics(ctx, pid, 'get');
      assert.deepEqual(after && [after.messagesIn, after.messagesOut, after.startTime], [4, 3, before?.startTime], 'the counts went on');
      await sys.statistics(ctx, pid, false);
      assert.equal(await sys.statistics(ctx, pid, 'get'), null);
      await sys.statistics(ctx, pid, true);
      const fresh = await sys.statistics(ctx, pid, 'get');
      assert.deepEqual(fresh && [fresh.messagesIn, fresh.messagesOut], [0, 0]);
      await genServer.stop(ctx, pid);
    });
  });
});
