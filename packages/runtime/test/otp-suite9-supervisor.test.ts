// More cases mirroring OTP's lib/stdlib/test/supervisor_SUITE.erl, each named after the case it follows
// (checked against OTP's supervisor manual and erl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, loggerOf, ok, noreply, supervisor, SupervisorError, Exit, isDown, type ChildSpec, type GenServer, type ExitReason, type LogEvent, type Pid, type ProcessContext, type Restart, type Supervisor } from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

const WAIT = 20_000;

const supervisorReports = (logs: LogEvent[]): Array<Record<string, unknown>> =>
  logs.map((e) => e.message).filter((r): r is Record<string, unknown> & { kind: string } => typeof r === 'object' && r !== null && (r as { kind?: unknown }).kind === 'supervisor');

/** A plain trapping child that, asked to stop, ends with `reason` instead of the shutdown it was sent. */
const endsWith = (id: string, restart: Restart, reason: ExitReason): ChildSpec => ({
  id,
  restart,
  start: (ctx: ProcessContext): Pid =>
    ctx.spawnLink(async (c) => {
      c.trapExit(true);
      await c.receive((m): m is Exit => m instanceof Exit);
      c.exit(reason);
    }),
});

test('supervisor_SUITE: shutdown of a permanent child that ends normal or {shutdown, _} is a shutdown_error; for transient and temporary children it is not', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const children = [
      endsWith('permNormal', 'permanent', 'normal'),
      endsWith('permShutdownTerm', 'permanent', { shutdown: 'bye' }),
      endsWith('transNormal', 'transient', 'normal'),
      endsWith('tempShutdownTerm', 'temporary', { shutdown: 'bye' }),
      endsWith('permShutdown', 'permanent', 'shutdown'),
    ];
    const spec: Supervisor<void> = { name: 'sup_test', init: () => ({ children }) };
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const sup = await supervisor.startLink(ctx, spec, undefined);
      const ref = ctx.monitor(sup);
      ctx.exit(sup, 'shutdown');
      assert.notEqual(await ctx.receive((m) => isDown(m, ref), WAIT), undefined);
    });
    const errors = supervisorReports(logs).filter((r) => r.errorContext === 'shutdownError');
    const ids = errors.map((r) => (r.offender as { id: string }).id).sort();
    assert.deepEqual(ids, ['permNormal', 'permShutdownTerm']);
    assert.equal(errors.find((r) => (r.offender as { id: string }).id === 'permNormal')?.reason, 'normal');
    assert.deepEqual(errors.find((r) => (r.offender as { id: string }).id === 'permShutdownTerm')?.reason, { shutdown: 'bye' });
  });
});

const named: GenServer<null, never, never, never, void> = { name: 'named', init: () => ok(null), handleInfo: (_m, s) => noreply(s) };

test('supervisor_SUITE: a child whose start finds its name taken — startChild answers {error, {already_started, Pid}} with the holder; a supervisor start fails naming it', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const holder = await genServer.start(ctx, named, undefined, { name: 'the_name' });
      const spec: ChildSpec = { id: 'c', start: (c) => genServer.startLink(c, named, undefined, { name: 'the_name' }) };
      const sup = await supervisor.startLink(ctx, { name: 'sup_test', init: () => ({ children: [] }) }, undefined);
      await assert.rejects(supervisor.startChild(ctx, sup, spec), (e: unknown) => e instanceof SupervisorError && e.code === 'alreadyStarted' && e.detail === holder);
      assert.deepEqual(await supervisor.whichChildren(ctx, sup), [], 'the child is not kept');
      await assert.rejects(supervisor.startLink(ctx, { name: 'sup_test2', init: () => ({ children: [spec] }) }, undefined), (e: unknown) => {
        const reason = (e as { reason?: { shutdown?: { failedToStartChild?: string; reason?: unknown } } }).reason;
        assert.equal(reason?.shutdown?.failedToStartChild, 'c');
        assert.deepEqual(reason?.shutdown?.reason, { alreadyStarted: holder });
        return true;
      });
    });
  });
});

test('supervisor_SUITE: progress reports — a static child\'s start is a progress report; a simpleOneForOne child\'s start or restart is not (OTP reports none for dynamic children)', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    loggerOf(node).setLevel('info');
    const progress = (): Array<Record<string, unknown>> => logs.map((e) => e.message as Record<string, unknown>).filter((m) => typeof m === 'object' && m !== null && m.kind === 'progress');
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const start = (c: ProcessContext): Promise<Pid> => genServer.startLink(c, named, undefined);
      await supervisor.startLink(ctx, { name: 'static', init: () => ({ children: [{ id: 'w', start }] }) }, undefined);
      assert.equal(progress().length, 1, 'the static child is reported');
      const dyn = await supervisor.startLink(ctx, { name: 'dynamic', init: () => ({ flags: { strategy: 'simpleOneForOne', intensity: 5 }, children: [{ id: 't', start }] }) }, undefined);
      const pids = [];
      for (let i = 0; i < 3; i++) pids.push((await supervisor.startChild(ctx, dyn, [])) as Pid);
      ctx.exit(pids[0]!, 'kill');
      const deadline = Date.now() + WAIT;
      const restarted = async (): Promise<boolean> => (await supervisor.whichChildren(ctx, dyn)).some((c) => c.restarts === 1 && c.pid instanceof Object);
      while (!(await restarted())) assert.ok(Date.now() < deadline, 'the killed dynamic child came back');
      assert.equal(progress().length, 1, 'no dynamic child is reported, started or restarted');
    });
  });
});
