// Cases mirroring OTP's lib/stdlib/test/supervisor_SUITE.erl not covered before, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, ok, SupervisorError, type GenServer, type Supervisor } from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

test('supervisor_SUITE: sup_start_fail — startChild and restartChild of a child whose start fails say why in the error (OTP: {error, Reason})', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      let fail = false;
      const w: GenServer<null, never, never, never, void> = { init: () => ok(null) };
      const sup: Supervisor<null> = { init: () => ({ flags: { strategy: 'oneForOne' }, children: [] }) };
      const s = await supervisor.start(ctx, sup, null);
      const failed = (why: RegExp) => (e: unknown) => e instanceof SupervisorError && e.code === 'startFailed' && why.test(e.message);
      await assert.rejects(
        supervisor.startChild(ctx, s, { id: 'thrower', start: () => { throw new Error('the port is taken'); } }),
        failed(/^child 'thrower' failed to start: Error: the port is taken$/),
      );
      await supervisor.startChild(ctx, s, { id: 'flaky', start: (c) => (fail ? Promise.reject(new Error('no database')) : genServer.startLink(c, w, undefined)) });
      await supervisor.terminateChild(ctx, s, 'flaky');
      fail = true;
      await assert.rejects(supervisor.restartChild(ctx, s, 'flaky'), failed(/^child 'flaky' failed to start: Error: no database$/));
    });
  });
});
