// Cases after OTP's lib/stdlib/test/supervisor_SUITE.erl and supervisor.erl's shutdown/2, each named after what it mirrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, ok, isDown, type ChildSpec, type GenServer, type LogEvent, type Pid, type ProcessContext, type Shutdown } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

/** A worker that, trapping exits or not, notes its terminate (with the reason) in `log`. */
const noter = (log: string[], trap: boolean): GenServer<null, never, never, never> => ({
  name: 'suite18_worker',
  init: (_args, ctx) => {
    ctx.trapExit(trap);
    return ok(null);
  },
  terminate: (reason) => {
    log.push(`terminate ${String(reason)}`);
  },
});

const spec = (log: string[], trap: boolean, shutdown: Shutdown): ChildSpec => ({ id: 'w', shutdown, start: (ctx: ProcessContext) => genServer.startLink(ctx, noter(log, trap), undefined) });

const shutdownErrors = (logs: LogEvent[]): Array<{ reason: unknown }> =>
  logs.map((e) => e.message as { kind?: string; errorContext?: string; reason: unknown }).filter((m) => m.kind === 'supervisor' && m.errorContext === 'shutdownError');

// Stops child 'w' with terminateChild and answers how it exited.
async function terminated(ctx: ProcessContext, sup: Pid): Promise<unknown> {
  const [w] = (await supervisor.whichChildren(ctx, sup)).map((c) => c.pid as Pid);
  const ref = ctx.monitor(w!);
  await supervisor.terminateChild(ctx, sup, 'w');
  const down = await ctx.receive((m) => isDown(m, ref), WAIT);
  return (down as { reason: unknown }).reason;
}

test('supervisor.erl shutdown/2 with a shutdown time of 0: a child trapping exits gets shutdown then kill at once, is killed before its terminate runs, and the kill is reported', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, { name: 'sup_suite18', init: () => ({ flags: {}, children: [spec(log, true, 0)] }) }, undefined);
      assert.equal(await terminated(ctx, sup), 'killed');
    });
    assert.deepEqual(log, [], 'the killed child ran no terminate');
    assert.deepEqual(shutdownErrors(logs).map((r) => r.reason), ['killed']);
  });
});

test('supervisor.erl shutdown/2 with a shutdown time of 0: a child not trapping exits ends with shutdown, the first signal, and nothing is reported', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, { name: 'sup_suite18', init: () => ({ flags: {}, children: [spec(log, false, 0)] }) }, undefined);
      assert.equal(await terminated(ctx, sup), 'shutdown');
    });
    assert.deepEqual(shutdownErrors(logs), []);
  });
});

test('supervisor_SUITE: sup_stop_timeout with a simpleOneForOne supervisor and shutdown 0 — each trapping child is killed before its terminate runs', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const sup = await supervisor.startLink(ctx, { name: 'sup_suite18', init: () => ({ flags: { strategy: 'simpleOneForOne' }, children: [spec(log, true, 0)] }) }, undefined);
      const kids = [(await supervisor.startChild(ctx, sup, [])) as Pid, (await supervisor.startChild(ctx, sup, [])) as Pid];
      const refs = kids.map((k) => ctx.monitor(k));
      ctx.exit(sup, 'shutdown');
      for (const ref of refs) assert.equal(((await ctx.receive((m) => isDown(m, ref), WAIT)) as { reason: unknown }).reason, 'killed');
    });
    assert.deepEqual(log, []);
    assert.deepEqual(shutdownErrors(logs).map((r) => r.reason), ['killed'], 'one report for the one reason');
  });
});
