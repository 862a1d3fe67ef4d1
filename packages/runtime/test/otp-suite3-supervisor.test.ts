// More cases mirroring OTP's lib/stdlib/test/supervisor_SUITE.erl, each named after the case it follows
// (checked against OTP's supervisor.erl and its manual).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, ok, noreply, isDown, SupervisorError, TIMEOUT, type GenServer, type LogEvent, type Pid, type ProcessContext, type Shutdown, type Supervisor } from '@otp-ts/runtime';
import { withNode, quietLogs, idle } from './helpers.ts';

const WAIT = 20_000;

type Args = { tester: Pid; hang?: boolean };
/** A dynamic child that traps exits and, told to stop, tells the tester and waits for its 'go' (or forever when `hang`). */
const lingering: GenServer<Args, never, never, never, Args> = {
  name: 'lingering',
  init(args, ctx) {
    ctx.trapExit(true);
    return ok(args);
  },
  handleInfo: (_m, s) => noreply(s),
  async terminate(reason, s, ctx) {
    ctx.send(s.tester, { stopping: ctx.self(), reason });
    await ctx.receive((m) => m === 'go' && !s.hang);
  },
};
const dynamicSup = (shutdown: Shutdown): Supervisor<void> => ({
  name: 'dyn_sup',
  init: () => ({
    flags: { strategy: 'simpleOneForOne' },
    children: [{ id: 'lingering', start: (ctx, args) => genServer.startLink(ctx, lingering, args as Args), shutdown }],
  }),
});

async function downReason(ctx: ProcessContext, ref: ReturnType<ProcessContext['monitor']>): Promise<unknown> {
  const m = await ctx.receive((x) => isDown(x, ref), WAIT);
  assert.notEqual(m, TIMEOUT, 'the process was expected to exit');
  return (m as { reason: unknown }).reason;
}

const supervisorReports = (logs: LogEvent[]): Array<Record<string, unknown>> =>
  logs.map((e) => e.message).filter((r): r is Record<string, unknown> & { kind: string } => typeof r === 'object' && r.kind === 'supervisor');

test('supervisor_SUITE: simple_one_for_one_shutdown — every dynamic child is asked to stop before any is waited for', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true); // the test is the supervisor's parent, as OTP's test process
      const sup = await supervisor.startLink(ctx, dynamicSup(WAIT), undefined);
      const kids: Pid[] = [];
      for (let i = 0; i < 3; i++) kids.push((await supervisor.startChild(ctx, sup, [{ tester: ctx.self() }]))!);
      const supRef = ctx.monitor(sup);
      const refs = kids.map((k) => ctx.monitor(k));
      ctx.exit(sup, 'shutdown');
      // Each child is in its terminate, waiting for 'go', at the same time: a supervisor stopping them one by
      // one would wait for the first forever (until its shutdown time) and the others would never be asked.
      const stopping = new Set<string>();
      while (stopping.size < kids.length) {
        const m = await ctx.receive((x): x is { stopping: Pid; reason: unknown } => typeof x === 'object' && x !== null && 'stopping' in x, WAIT);
        assert.ok(m !== TIMEOUT, `only ${stopping.size} of ${kids.length} children were asked to stop`);
        assert.equal(m.reason, 'shutdown');
        stopping.add(String(m.stopping));
      }
      for (const k of kids) ctx.send(k, 'go');
      for (const r of refs) assert.equal(await downReason(ctx, r), 'shutdown');
      assert.equal(await downReason(ctx, supRef), 'shutdown');
    });
  });
});

test('supervisor_SUITE: simple_one_for_one_shutdown — dynamic children past the shutdown time are killed and reported; brutalKill kills them all at once', async () => {
  await withNode(async (node) => {
    const stuckPids: Pid[] = [];
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const sup = await supervisor.startLink(ctx, dynamicSup(50), undefined);
      const quick = (await supervisor.startChild(ctx, sup, [{ tester: ctx.self() }]))!;
      const stuck = [(await supervisor.startChild(ctx, sup, [{ tester: ctx.self(), hang: true }]))!, (await supervisor.startChild(ctx, sup, [{ tester: ctx.self(), hang: true }]))!];
      stuckPids.push(...stuck);
      const quickRef = ctx.monitor(quick);
      const stuckRefs = stuck.map((p) => ctx.monitor(p));
      const supRef = ctx.monitor(sup);
      ctx.exit(sup, 'shutdown');
      await ctx.receive((m) => typeof m === 'object' && m !== null && 'stopping' in m && (m as { stopping: Pid }).stopping === quick, WAIT);
      ctx.send(quick, 'go');
      assert.equal(await downReason(ctx, quickRef), 'shutdown');
      for (const r of stuckRefs) assert.equal(await downReason(ctx, r), 'killed');
      assert.equal(await downReason(ctx, supRef), 'shutdown');

      const brutal = await supervisor.startLink(ctx, dynamicSup('brutalKill'), undefined);
      const victims = [(await supervisor.startChild(ctx, brutal, [{ tester: ctx.self() }]))!, (await supervisor.startChild(ctx, brutal, [{ tester: ctx.self() }]))!];
      const victimRefs = victims.map((p) => ctx.monitor(p));
      ctx.exit(brutal, 'shutdown');
      for (const r of victimRefs) assert.equal(await downReason(ctx, r), 'killed');
      const stoppedBy = (m: unknown): boolean => typeof m === 'object' && m !== null && 'stopping' in m && victims.includes((m as { stopping: Pid }).stopping);
      assert.equal(await ctx.receive(stoppedBy, 0), TIMEOUT, 'a brutally killed child runs no terminate');
    });
    const errors = supervisorReports(logs).filter((r) => r.errorContext === 'shutdownError');
    // OTP's terminate_dynamic_children reports once per distinct reason, its offender listing the children's pids.
    assert.deepEqual(errors.map((r) => r.reason), ['killed'], 'the children killed past the shutdown time are reported, the brutally killed ones are not');
    assert.deepEqual((errors[0]!.offender as { pid: Pid[] }).pid.map(String).sort(), stuckPids.map(String).sort());
  });
});

const plain: GenServer<null> = { name: 'plain', init: () => ok(null) };
const notFound = (e: unknown): boolean => e instanceof SupervisorError && e.code === 'notFound';

test('supervisor_SUITE: sup_start_map — getChildspec answers each child\'s spec with OTP\'s defaults filled in, notFound for an unknown id or a pid', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const start = (c: ProcessContext) => genServer.startLink(c, plain, undefined);
      const nested: Supervisor<void> = { name: 'nested', init: () => ({ flags: {}, children: [] }) };
      const sup = await supervisor.start(ctx, { name: 'map_sup', init: () => ({ flags: {}, children: [
        { id: 'child1', start },
        { id: 'child2', start, shutdown: 'brutalKill' },
        { id: 'child3', start: (c) => supervisor.startLink(c, nested, undefined), type: 'supervisor' },
      ] }) }, undefined);
      const shape = async (id: string | Pid) => {
        const { restart, shutdown, type, significant } = await supervisor.getChildspec(ctx, sup, id);
        return { restart, shutdown, type, significant };
      };
      assert.deepEqual(await shape('child1'), { restart: 'permanent', shutdown: 5000, type: 'worker', significant: false });
      assert.deepEqual(await shape('child2'), { restart: 'permanent', shutdown: 'brutalKill', type: 'worker', significant: false });
      assert.deepEqual(await shape('child3'), { restart: 'permanent', shutdown: 'infinity', type: 'supervisor', significant: false });
      assert.equal((await supervisor.getChildspec(ctx, sup, 'child1')).start, start);
      await assert.rejects(supervisor.getChildspec(ctx, sup, 'child4'), notFound);
      const running = (await supervisor.whichChildren(ctx, sup)).find((c) => c.id === 'child1')!.pid as Pid;
      await assert.rejects(supervisor.getChildspec(ctx, sup, running), notFound, 'a static child is not found by pid');
    });
  });
});

test('supervisor_SUITE: get_childspec on simple_one_for_one — the template by its id or a child\'s pid; notFound for another id or a live pid that is no child', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, { name: 'simple_map_sup', init: () => ({ flags: { strategy: 'simpleOneForOne' }, children: [{ id: 'template', start: (c) => genServer.startLink(c, plain, undefined), restart: 'transient' }] }) }, undefined);
      const kid = (await supervisor.startChild(ctx, sup, []))!;
      assert.equal((await supervisor.getChildspec(ctx, sup, kid)).restart, 'transient');
      assert.equal((await supervisor.getChildspec(ctx, sup, 'template')).id, 'template');
      await assert.rejects(supervisor.getChildspec(ctx, sup, 'other'), notFound);
      const stranger = ctx.spawn(idle);
      await assert.rejects(supervisor.getChildspec(ctx, sup, stranger), notFound);
      ctx.exit(stranger, 'kill');
    });
  });
});
