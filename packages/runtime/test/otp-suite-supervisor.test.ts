// Cases mirroring OTP's lib/stdlib/test/supervisor_SUITE.erl, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  genServer,
  supervisor,
  ok,
  stop,
  noreply,
  isDown,
  SupervisorError,
  TIMEOUT,
  type ChildSpec,
  type GenServer,
  type Pid,
  type ProcessContext,
  type Supervisor,
  type SupFlags,
} from '@otp-ts/runtime';
import { withNode, quietLogs, idle } from './helpers.ts';

const WAIT = 20_000;

/** A worker that does nothing but wait (OTP's supervisor_1). */
const worker: GenServer<null, never, never, never, void> = { name: 'worker', init: () => ok(null), handleInfo: (_m, s) => noreply(s) };
const workerSpec = (id: string, extra: Partial<ChildSpec> = {}): ChildSpec => ({ id, start: (ctx) => genServer.startLink(ctx, worker, undefined), ...extra });
const ignoring = (id: string, extra: Partial<ChildSpec> = {}): ChildSpec => ({ id, start: () => 'ignore', ...extra });

const sup = (flags: SupFlags, children: ChildSpec[]): Supervisor<void> => ({ name: 'sup_test', init: () => ({ flags, children }) });

type Started = { started: string; pid: Pid };
type Verdict = { verdict: 'ok' | 'stop' };

/**
 * OTP's supervisor_3: a child whose init tells the test it is starting and waits for the test's verdict,
 * so the test decides which (re)start succeeds.
 */
const controlled: GenServer<null, never, never, never, { id: string; test: Pid }> = {
  name: 'controlled',
  async init({ id, test }, ctx) {
    ctx.send(test, { started: id, pid: ctx.self() } satisfies Started);
    const m = (await ctx.receive((x): x is Verdict => typeof x === 'object' && x !== null && 'verdict' in x)) as Verdict;
    return m.verdict === 'ok' ? ok(null) : stop('normal');
  },
};
const controlledSpec = (id: string, test: Pid): ChildSpec => ({ id, start: (ctx) => genServer.startLink(ctx, controlled, { id, test }) });

async function nextStart(ctx: ProcessContext): Promise<Started> {
  const m = await ctx.receive((x): x is Started => typeof x === 'object' && x !== null && 'started' in x, WAIT);
  assert.notEqual(m, TIMEOUT, 'a child start was expected');
  return m as Started;
}

async function waitDown(ctx: ProcessContext, pid: Pid): Promise<void> {
  const ref = ctx.monitor(pid);
  assert.notEqual(await ctx.receive((m) => isDown(m, ref), WAIT), TIMEOUT, `${pid} was expected to exit`);
}

// Starts a supervisor from a helper process (its children's inits wait on this test) and returns its pid.
async function startControlled(ctx: ProcessContext, flags: SupFlags, children: ChildSpec[]): Promise<{ sup: Pid; first: Started[] }> {
  const me = ctx.self();
  ctx.spawn(async (starter) => {
    const pid = await supervisor.start(starter, sup(flags, children), undefined);
    starter.send(me, { supPid: pid });
  });
  const first: Started[] = [];
  for (let i = 0; i < children.length; i++) {
    const s = await nextStart(ctx);
    first.push(s);
    ctx.send(s.pid, { verdict: 'ok' } satisfies Verdict);
  }
  const m = await ctx.receive((x): x is { supPid: Pid } => typeof x === 'object' && x !== null && 'supPid' in x, WAIT);
  assert.notEqual(m, TIMEOUT, 'the supervisor was expected to start');
  return { sup: (m as { supPid: Pid }).supPid, first };
}

test('supervisor_SUITE sup_start_ignore_child: a permanent child that ignores is kept without a pid; which_children lists the newest first', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ intensity: 2, period: 3600 }, []), undefined);
      assert.equal(await supervisor.startChild(ctx, s, ignoring('child1')), undefined);
      const cpid2 = await supervisor.startChild(ctx, s, workerSpec('child2'));
      assert.deepEqual((await supervisor.whichChildren(ctx, s)).map((c) => [c.id, c.pid]), [['child2', cpid2], ['child1', undefined]]);
      assert.deepEqual(await supervisor.countChildren(ctx, s), { specs: 2, active: 1, supervisors: 0, workers: 2 });
    });
  });
});

test('supervisor_SUITE sup_start_ignore_temporary_child: a temporary child that ignores in init is not saved', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ intensity: 2, period: 3600 }, [ignoring('child1', { restart: 'temporary' }), workerSpec('child2', { restart: 'temporary' })]), undefined);
      const children = await supervisor.whichChildren(ctx, s);
      assert.deepEqual(children.map((c) => c.id), ['child2']);
      assert.ok(ctx.isAlive(children[0]!.pid as Pid));
      assert.deepEqual(await supervisor.countChildren(ctx, s), { specs: 1, active: 1, supervisors: 0, workers: 1 });
    });
  });
});

test('supervisor_SUITE sup_start_ignore_temporary_child_start_child: a temporary child that ignores in startChild answers ok without a pid and is not saved', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ intensity: 2, period: 3600 }, []), undefined);
      assert.equal(await supervisor.startChild(ctx, s, ignoring('child1', { restart: 'temporary' })), undefined);
      const cpid2 = await supervisor.startChild(ctx, s, workerSpec('child2', { restart: 'temporary' }));
      assert.deepEqual((await supervisor.whichChildren(ctx, s)).map((c) => [c.id, c.pid]), [['child2', cpid2]]);
      assert.deepEqual(await supervisor.countChildren(ctx, s), { specs: 1, active: 1, supervisors: 0, workers: 1 });
    });
  });
});

test('supervisor_SUITE child_adm: terminateChild with a pid on a supervisor that is not simpleOneForOne answers notFound and leaves the child running', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ intensity: 2, period: 3600 }, [workerSpec('child1')]), undefined);
      const cpid = (await supervisor.whichChildren(ctx, s))[0]!.pid;
      await assert.rejects(supervisor.terminateChild(ctx, s, cpid as Pid), (e: SupervisorError) => e instanceof SupervisorError && e.code === 'notFound');
      assert.ok(ctx.isAlive(cpid as Pid));
      assert.deepEqual((await supervisor.whichChildren(ctx, s)).map((c) => [c.id, c.pid]), [['child1', cpid]]);
      assert.deepEqual(await supervisor.countChildren(ctx, s), { specs: 1, active: 1, supervisors: 0, workers: 1 });
      // By id it works, and terminating a stopped child again is ok.
      await supervisor.terminateChild(ctx, s, 'child1');
      await supervisor.terminateChild(ctx, s, 'child1');
      assert.equal(ctx.isAlive(cpid as Pid), false);
    });
  });
});

test('supervisor_SUITE child_adm_simple: terminateChild by id is refused, a terminated pid is ok again, a pid that is no child is notFound', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ strategy: 'simpleOneForOne', intensity: 2, period: 3600 }, [workerSpec('child')]), undefined);
      assert.deepEqual(await supervisor.whichChildren(ctx, s), []);
      const cpid1 = (await supervisor.startChild(ctx, s, []))!;
      const cpid2 = (await supervisor.startChild(ctx, s, []))!;
      assert.deepEqual(new Set((await supervisor.whichChildren(ctx, s)).map((c) => c.pid)), new Set([cpid1, cpid2]));
      await assert.rejects(supervisor.terminateChild(ctx, s, 'child'), (e: SupervisorError) => e.code === 'simpleOneForOne');
      await assert.rejects(supervisor.terminateChild(ctx, s, 'child1'), (e: SupervisorError) => e.code === 'simpleOneForOne');
      assert.equal((await supervisor.countChildren(ctx, s)).active, 2);
      await supervisor.terminateChild(ctx, s, cpid1);
      assert.equal(ctx.isAlive(cpid1), false);
      assert.deepEqual(await supervisor.countChildren(ctx, s), { specs: 1, active: 1, supervisors: 0, workers: 1 });
      await supervisor.terminateChild(ctx, s, cpid1);
      assert.deepEqual(await supervisor.countChildren(ctx, s), { specs: 1, active: 1, supervisors: 0, workers: 1 });
      const stranger = ctx.spawn(idle);
      await assert.rejects(supervisor.terminateChild(ctx, s, stranger), (e: SupervisorError) => e.code === 'notFound');
      assert.ok(ctx.isAlive(stranger));
      await assert.rejects(supervisor.restartChild(ctx, s, 'child1'), (e: SupervisorError) => e.code === 'simpleOneForOne');
      await assert.rejects(supervisor.deleteChild(ctx, s, 'child1'), (e: SupervisorError) => e.code === 'simpleOneForOne');
    });
  });
});

test('supervisor_SUITE one_for_all_other_child_fails_restart: a sibling failing to restart makes the whole group restart again', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const me = ctx.self();
      const { sup: s, first } = await startControlled(ctx, { strategy: 'oneForAll', intensity: 3, period: 3600 }, [controlledSpec('child1', me), controlledSpec('child2', me)]);
      ctx.exit(first[0]!.pid, 'die');
      // child1 restarts; child2 does not.
      const child1Again = await nextStart(ctx);
      assert.equal(child1Again.started, 'child1');
      ctx.send(child1Again.pid, { verdict: 'ok' } satisfies Verdict);
      const child2Again = await nextStart(ctx);
      assert.equal(child2Again.started, 'child2');
      ctx.send(child2Again.pid, { verdict: 'stop' } satisfies Verdict);
      // The group is retried from the start: the child1 just restarted is stopped and started once more.
      const retry1 = await nextStart(ctx);
      assert.equal(retry1.started, 'child1', 'the whole group is restarted, child1 first');
      await waitDown(ctx, child1Again.pid);
      ctx.send(retry1.pid, { verdict: 'ok' } satisfies Verdict);
      const retry2 = await nextStart(ctx);
      assert.equal(retry2.started, 'child2');
      ctx.send(retry2.pid, { verdict: 'ok' } satisfies Verdict);
      const pids = new Map((await supervisor.whichChildren(ctx, s)).map((c) => [c.id, c.pid]));
      assert.deepEqual(pids, new Map([['child2', retry2.pid], ['child1', retry1.pid]]));
    });
  });
});

test('supervisor_SUITE rest_for_one_other_child_fails_restart: a later child failing to restart is retried alone, the restarted earlier one kept', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const me = ctx.self();
      const { sup: s, first } = await startControlled(ctx, { strategy: 'restForOne', intensity: 3, period: 3600 }, [controlledSpec('child1', me), controlledSpec('child2', me)]);
      ctx.exit(first[0]!.pid, 'die');
      const child1Again = await nextStart(ctx);
      assert.equal(child1Again.started, 'child1');
      ctx.send(child1Again.pid, { verdict: 'ok' } satisfies Verdict);
      const child2Again = await nextStart(ctx);
      assert.equal(child2Again.started, 'child2');
      ctx.send(child2Again.pid, { verdict: 'stop' } satisfies Verdict);
      const retry = await nextStart(ctx);
      assert.equal(retry.started, 'child2', 'child1, started before the failed child, is not restarted again');
      ctx.send(retry.pid, { verdict: 'ok' } satisfies Verdict);
      const pids = new Map((await supervisor.whichChildren(ctx, s)).map((c) => [c.id, c.pid]));
      assert.deepEqual(pids, new Map([['child2', retry.pid], ['child1', child1Again.pid]]));
    });
  });
});

test('supervisor_SUITE count_children: 2,000 dynamic children are counted, listed, and each exit removes its own', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ strategy: 'simpleOneForOne', intensity: 2, period: 3600 }, [workerSpec('child', { restart: 'temporary' })]), undefined);
      for (let i = 0; i < 2000; i++) await supervisor.startChild(ctx, s, []);
      const children = await supervisor.whichChildren(ctx, s);
      assert.equal(children.length, 2000);
      assert.deepEqual(await supervisor.countChildren(ctx, s), { specs: 1, active: 2000, supervisors: 0, workers: 2000 });
      for (const c of children) ctx.exit(c.pid as Pid, 'kill');
      for (const c of children) await waitDown(ctx, c.pid as Pid);
      // The supervisor handles the exits in order; a call queued after them sees all of them.
      assert.deepEqual(await supervisor.countChildren(ctx, s), { specs: 1, active: 0, supervisors: 0, workers: 0 });
    });
  });
});

test('supervisor_SUITE child_specs: a bad child spec is refused with a badSpec SupervisorError', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ intensity: 2, period: 3600 }, []), undefined);
      const bad: Array<[unknown, RegExp]> = [
        [{ id: 'child', start: 'mfa' }, /start must be a function/],
        [{ id: 'child', start: () => 'ignore', restart: 'prmanent' }, /restart must be/],
        [{ id: 'child', start: () => 'ignore', shutdown: -10 }, /shutdown must be/],
        [{ id: 'child', start: () => 'ignore', type: 'wrker' }, /type must be/],
      ];
      for (const [spec, why] of bad) {
        await assert.rejects(supervisor.startChild(ctx, s, spec as ChildSpec), (e: SupervisorError) => e instanceof SupervisorError && e.code === 'badSpec' && why.test(e.message));
      }
    });
  });
});
