// Cases mirroring OTP's lib/stdlib/test/sys_SUITE.erl and the format_status cases of the behaviour suites not covered before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, ok, reply, sys, type GenServer, type GenStatem } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';


test('sys_SUITE: get_status with the log on — a gen_server\'s status shows its logged events, through formatStatus', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const srv: GenServer<number, string, never, number> = {
        init: () => ok(0),
        handleCall: (_req, _from, n) => reply(n + 1, n + 1),
        formatStatus: (s) => ({ ...s, log: s.log?.map((e) => (e.type === 'in' && e.message === 'secret' ? { ...e, message: '<redacted>' } : e)) }),
      };
      const pid = await genServer.start(ctx, srv, undefined, { debug: ['log'] });
      assert.equal((await sys.getStatus(ctx, pid)).log, undefined, 'nothing logged yet');
      await genServer.call(ctx, pid, 'secret');
      const { log } = await sys.getStatus(ctx, pid);
      assert.deepEqual(
        log?.map((e) => e.type),
        ['in', 'out'],
      );
      assert.equal(log?.[0]?.type === 'in' ? log[0].message : undefined, '<redacted>');
      await sys.log(ctx, pid, false);
      assert.equal((await sys.getStatus(ctx, pid)).log, undefined, 'the log is off');
      await genServer.stop(ctx, pid);
    });
  });
});

test('sys_SUITE: get_status with the log on — a gen_statem\'s status shows its logged events', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const m: GenStatem<string, null, never, string, never, void> = {
        callbackMode: 'handleEvent',
        init: () => genStatem.ok('a', null),
        handleEvent: () => genStatem.keepStateAndData(),
      };
      const pid = await genStatem.start(ctx, m, undefined, { debug: ['log'] });
      genStatem.cast(ctx, pid, 'hello');
      await sys.getState(ctx, pid);
      const { log } = await sys.getStatus(ctx, pid);
      assert.deepEqual(log, [{ type: 'in', kind: 'cast', message: 'hello', state: 'a' }]);
      await genStatem.stop(ctx, pid);
    });
  });
});
