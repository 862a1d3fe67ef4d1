// Cases after OTP's supervisor.erl: which start failures a supervisor logs as start_error reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, ok, SupervisorError, type ChildSpec, type GenServer, type LogEvent, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

const idleServer: GenServer<null, never, never, never> = { name: 'suite19_worker', init: () => ok(null) };

const reports = (logs: LogEvent[]): Array<{ errorContext?: string; offender?: { id?: string } }> =>
  logs.map((e) => e.message as { kind?: string; errorContext?: string; offender?: { id?: string } }).filter((m) => m?.kind === 'supervisor');

// Waits (with a deadline) for a supervisor report with `context` about child `id`.
async function reported(ctx: ProcessContext, logs: LogEvent[], context: string, id: string): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (!reports(logs).some((r) => r.errorContext === context && r.offender?.id === id)) {
    if (Date.now() > deadline) throw new Error(`no ${context} report for ${id}`);
    await ctx.sleep(5);
  }
}

test('supervisor.erl restart_child and start_child: a start the caller asked for that fails answers the caller and logs no startError; a restart after a crash still does', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      let failing = false;
      const flaky: ChildSpec = {
        id: 'flaky',
        restart: 'transient',
        start: (c: ProcessContext) => {
          if (failing) throw new Error('flaky cannot start');
          return genServer.startLink(c, idleServer, undefined);
        },
      };
      const steady: ChildSpec = { id: 'steady', start: (c: ProcessContext) => genServer.startLink(c, idleServer, undefined) };
      const sup = await supervisor.start(ctx, { init: () => ({ flags: { intensity: 10, period: 3600 }, children: [flaky, steady] }) }, undefined);
      await supervisor.terminateChild(ctx, sup, 'flaky');
      failing = true;
      const restart = await supervisor.restartChild(ctx, sup, 'flaky').catch((e: unknown) => e);
      assert.ok(restart instanceof SupervisorError && restart.code === 'startFailed', `restartChild answers startFailed, got ${String(restart)}`);
      const added = await supervisor.startChild(ctx, sup, { id: 'added', start: () => { throw new Error('added cannot start'); } }).catch((e: unknown) => e);
      assert.ok(added instanceof SupervisorError && added.code === 'startFailed', `startChild answers startFailed, got ${String(added)}`);
      // A crash of a permanent child: its childTerminated report comes after anything the calls above logged.
      const steadyPid = (await supervisor.whichChildren(ctx, sup)).find((c) => c.id === 'steady')!.pid as Pid;
      ctx.exit(steadyPid, 'boom');
      await reported(ctx, logs, 'childTerminated', 'steady');
      assert.deepEqual(reports(logs).filter((r) => r.errorContext === 'startError').map((r) => r.offender?.id), [], 'neither failed call logged a startError');
      // The supervisor's own restart of a crashed child still reports the failed start, as OTP's restart/2.
      failing = false;
      const flakyPid = await supervisor.restartChild(ctx, sup, 'flaky');
      failing = true;
      ctx.exit(flakyPid as Pid, 'boom');
      await reported(ctx, logs, 'startError', 'flaky');
      ctx.exit(sup, 'kill');
    });
  });
});

test('supervisor.erl start_child on a simpleOneForOne supervisor: a start that fails answers the caller and logs no startError', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, {
        init: () => ({
          flags: { strategy: 'simpleOneForOne' },
          children: [{ id: 'tpl', restart: 'temporary', start: (c: ProcessContext, fail: unknown) => (fail ? Promise.reject(new Error('dynamic cannot start')) : genServer.startLink(c, idleServer, undefined)) }],
        }),
      }, undefined);
      const failed = await supervisor.startChild(ctx, sup, [true]).catch((e: unknown) => e);
      assert.ok(failed instanceof SupervisorError && failed.code === 'startFailed', `startChild answers startFailed, got ${String(failed)}`);
      const child = (await supervisor.startChild(ctx, sup, [false])) as Pid;
      ctx.exit(child, 'boom');
      await reported(ctx, logs, 'childTerminated', 'tpl');
      assert.deepEqual(reports(logs).filter((r) => r.errorContext === 'startError'), []);
      ctx.exit(sup, 'kill');
    });
  });
});
