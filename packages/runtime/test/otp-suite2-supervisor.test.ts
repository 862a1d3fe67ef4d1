// More cases mirroring OTP's lib/stdlib/test/supervisor_SUITE.erl, each named after the case it follows
// (restart types, shutdown order and timeouts, strategies, intensity; checked against OTP's manual and erl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  SupervisorError} from '@otp-ts/runtime';
import {
  genServer,
  supervisor,
  ok,
  reply,
  noreply,
  stop,
  isDown,
  StartError,
  TIMEOUT,
  type ChildSpec,
  type GenServer,
  type LogEvent,
  type Pid,
  type ProcessContext,
  type Supervisor,
  type SupFlags,
} from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

const WAIT = 20_000;

type WorkerArgs = { id: string; log: string[]; trap?: boolean; hang?: boolean };
/** A worker that logs its start and its terminate (with the reason) into the test's log (OTP's supervisor_1). */
const logged: GenServer<WorkerArgs, 'ping', never, string, WorkerArgs> = {
  name: 'logged',
  init(args, ctx) {
    if (args.trap || args.hang) ctx.trapExit(true);
    args.log.push(`start ${args.id}`);
    return ok(args);
  },
  handleCall: (_r, _f, s) => reply('pong', s),
  // OTP's supervisor_1 dies on a message; a trapping child would take an exit signal for a message.
  handleInfo: (m, s) => (m === 'crash' ? stop('boom', s) : noreply(s)),
  async terminate(reason, s) {
    s.log.push(`terminate ${s.id} ${String(reason)}`);
    if (s.hang) await new Promise(() => {});
  },
};
const child = (id: string, log: string[], extra: Partial<ChildSpec> & { trap?: boolean; hang?: boolean } = {}): ChildSpec => {
  const { trap, hang, ...spec } = extra;
  return { id, start: (ctx) => genServer.startLink(ctx, logged, { id, log, trap, hang }), ...spec };
};
const supOf = (flags: SupFlags, children: ChildSpec[]): Supervisor<void> => ({ name: 'sup_suite2', init: () => ({ flags, children }) });

async function downReason(ctx: ProcessContext, pid: Pid): Promise<unknown> {
  const ref = ctx.monitor(pid);
  const m = await ctx.receive((x) => isDown(x, ref), WAIT);
  assert.notEqual(m, TIMEOUT, `${pid} was expected to exit`);
  return (m as { reason: unknown }).reason;
}

async function pidOf(ctx: ProcessContext, sup: Pid, id: string): Promise<Pid | 'restarting' | undefined> {
  return (await supervisor.whichChildren(ctx, sup)).find((c) => c.id === id)?.pid;
}

/** Waits until child `id` of `sup` runs under a pid other than `old`, and returns it. */
async function restarted(ctx: ProcessContext, sup: Pid, id: string, old: Pid): Promise<Pid> {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const p = await pidOf(ctx, sup, id);
    if (p !== undefined && p !== 'restarting' && p !== old) return p;
    assert.ok(Date.now() < deadline, `child ${id} was not restarted`);
    await ctx.receive(null, 5);
  }
}

const supervisorReports = (logs: LogEvent[]): Array<Record<string, unknown>> =>
  logs.map((e) => e.message).filter((r): r is Record<string, unknown> & { kind: string } => typeof r === 'object' && r.kind === 'supervisor');

test('supervisor_SUITE: sup_start_ignore_init — a supervisor whose init ignores does not start', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const ignoring: Supervisor<void> = { init: () => 'ignore' };
      await assert.rejects(supervisor.start(ctx, ignoring, undefined), (e: StartError) => e instanceof StartError && e.reason === 'ignore');
    });
  });
});

test('supervisor_SUITE: sup_start_fail — a child failing to start stops the ones started before it, newest first, and fails the start naming the child', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const failing: ChildSpec = { id: 'bad', start: () => { throw new Error('no way'); } };
      await assert.rejects(supervisor.start(ctx, supOf({}, [child('a', log, { trap: true }), child('b', log, { trap: true }), failing]), undefined), (e: StartError) => {
        const r = e.reason as { shutdown: { failedToStartChild: string; reason: Error } };
        return e instanceof StartError && r.shutdown.failedToStartChild === 'bad' && r.shutdown.reason.message === 'no way';
      });
    });
    assert.deepEqual(log, ['start a', 'start b', 'terminate b shutdown', 'terminate a shutdown']);
  });
});

test('supervisor_SUITE: sup_stop_infinity / sup_stop_timeout — children stop in reverse start order, each before the next is asked', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      ctx.trapExit(true); // the test is the supervisor's parent, as OTP's test process
      const sup = await supervisor.startLink(ctx, supOf({}, [child('a', log, { trap: true }), child('b', log, { trap: true, shutdown: 'infinity' }), child('c', log, { trap: true })]), undefined);
      ctx.exit(sup, 'shutdown');
      assert.equal(await downReason(ctx, sup), 'shutdown');
    });
    assert.deepEqual(log, ['start a', 'start b', 'start c', 'terminate c shutdown', 'terminate b shutdown', 'terminate a shutdown']);
  });
});

test('supervisor_SUITE: sup_stop_timeout — a child that does not stop within its shutdown time is killed, with a shutdown_error report', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      ctx.trapExit(true); // the test is the supervisor's parent, as OTP's test process
      const sup = await supervisor.startLink(ctx, supOf({}, [child('slow', log, { hang: true, shutdown: 50 })]), undefined);
      const slow = (await pidOf(ctx, sup, 'slow')) as Pid;
      const ref = ctx.monitor(slow);
      ctx.exit(sup, 'shutdown');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'killed');
      assert.equal(await downReason(ctx, sup), 'shutdown');
    });
    assert.deepEqual(log, ['start slow', 'terminate slow shutdown']);
    const r = supervisorReports(logs).find((x) => x.errorContext === 'shutdownError');
    assert.ok(r, 'a shutdown error was reported');
    assert.equal(r.reason, 'killed');
  });
});

test('supervisor_SUITE: sup_stop_brutal_kill — a brutalKill child is killed without its terminate, and no error is reported', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      ctx.trapExit(true); // the test is the supervisor's parent, as OTP's test process
      const sup = await supervisor.startLink(ctx, supOf({}, [child('brutal', log, { trap: true, shutdown: 'brutalKill' })]), undefined);
      const pid = (await pidOf(ctx, sup, 'brutal')) as Pid;
      const ref = ctx.monitor(pid);
      ctx.exit(sup, 'shutdown');
      assert.equal(((await ctx.receive((m) => isDown(m, ref), WAIT)) as { reason: unknown }).reason, 'killed');
      await downReason(ctx, sup);
    });
    assert.deepEqual(log, ['start brutal']);
    assert.deepEqual(supervisorReports(logs), []);
  });
});

test('supervisor_SUITE: permanent_normal / transient_normal / temporary_normal — who comes back after a normal exit', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({ intensity: 10 }, [
        child('perm', log),
        child('trans', log, { restart: 'transient' }),
        child('temp', log, { restart: 'temporary' }),
      ]), undefined);
      const perm = (await pidOf(ctx, sup, 'perm')) as Pid;
      const trans = (await pidOf(ctx, sup, 'trans')) as Pid;
      const temp = (await pidOf(ctx, sup, 'temp')) as Pid;
      for (const p of [perm, trans, temp]) await genServer.stop(ctx, p, 'normal');
      await restarted(ctx, sup, 'perm', perm);
      const lines = await supervisor.whichChildren(ctx, sup);
      assert.equal(lines.find((c) => c.id === 'trans')?.pid, undefined, 'a transient child that ended normally stays down, its spec kept');
      assert.equal(lines.find((c) => c.id === 'temp'), undefined, 'a temporary child that ended is forgotten');
      await assert.rejects(supervisor.restartChild(ctx, sup, 'temp'), (e: SupervisorError) => e.code === 'notFound');
    });
  });
});

test('supervisor_SUITE: transient_shutdown / permanent_shutdown — shutdown and {shutdown, _} keep a transient child down; a permanent one comes back', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({ intensity: 10 }, [child('perm', log), child('t1', log, { restart: 'transient' }), child('t2', log, { restart: 'transient' })]), undefined);
      const perm = (await pidOf(ctx, sup, 'perm')) as Pid;
      const t1 = (await pidOf(ctx, sup, 't1')) as Pid;
      const t2 = (await pidOf(ctx, sup, 't2')) as Pid;
      ctx.exit(t1, 'shutdown');
      ctx.exit(t2, { shutdown: 'done' });
      ctx.exit(perm, 'shutdown');
      await downReason(ctx, t1);
      await downReason(ctx, t2);
      await restarted(ctx, sup, 'perm', perm);
      assert.equal(await pidOf(ctx, sup, 't1'), undefined);
      assert.equal(await pidOf(ctx, sup, 't2'), undefined);
    });
  });
});

test('supervisor_SUITE: transient_abnormal / temporary_abnormal — a transient child crashing is restarted; a temporary one is forgotten', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({ intensity: 10 }, [child('trans', log, { restart: 'transient' }), child('temp', log, { restart: 'temporary' })]), undefined);
      const trans = (await pidOf(ctx, sup, 'trans')) as Pid;
      const temp = (await pidOf(ctx, sup, 'temp')) as Pid;
      ctx.exit(trans, 'boom');
      ctx.exit(temp, 'boom');
      await restarted(ctx, sup, 'trans', trans);
      await downReason(ctx, temp);
      assert.deepEqual((await supervisor.whichChildren(ctx, sup)).map((c) => c.id), ['trans']);
    });
  });
});

test('supervisor_SUITE: temporary_bystander — oneForAll: a temporary sibling stopped by the group restart is not restarted and is forgotten', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({ strategy: 'oneForAll', intensity: 10 }, [child('perm', log), child('temp', log, { restart: 'temporary' })]), undefined);
      const perm = (await pidOf(ctx, sup, 'perm')) as Pid;
      const temp = (await pidOf(ctx, sup, 'temp')) as Pid;
      const tempRef = ctx.monitor(temp);
      ctx.exit(perm, 'boom');
      await restarted(ctx, sup, 'perm', perm);
      const down = await ctx.receive((m) => isDown(m, tempRef), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'shutdown');
      assert.deepEqual((await supervisor.whichChildren(ctx, sup)).map((c) => c.id), ['perm']);
    });
  });
});

test('supervisor_SUITE: one_for_all — the others stop newest first, then all start again in order', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({ strategy: 'oneForAll', intensity: 10 }, ['a', 'b', 'c', 'd'].map((id) => child(id, log, { trap: true }))), undefined);
      const b = (await pidOf(ctx, sup, 'b')) as Pid;
      log.length = 0;
      ctx.send(b, 'crash');
      await restarted(ctx, sup, 'b', b);
      await restarted(ctx, sup, 'd', b);
      assert.deepEqual(log, ['terminate b boom', 'terminate d shutdown', 'terminate c shutdown', 'terminate a shutdown', 'start a', 'start b', 'start c', 'start d']);
    });
  });
});

test('supervisor_SUITE: rest_for_one — the children started after the crashed one stop newest first, then start again in order; earlier ones are left alone', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({ strategy: 'restForOne', intensity: 10 }, ['a', 'b', 'c', 'd'].map((id) => child(id, log, { trap: true }))), undefined);
      const a = (await pidOf(ctx, sup, 'a')) as Pid;
      const b = (await pidOf(ctx, sup, 'b')) as Pid;
      log.length = 0;
      ctx.send(b, 'crash');
      await restarted(ctx, sup, 'b', b);
      await restarted(ctx, sup, 'd', b);
      assert.deepEqual(log, ['terminate b boom', 'terminate d shutdown', 'terminate c shutdown', 'start b', 'start c', 'start d']);
      assert.equal(await pidOf(ctx, sup, 'a'), a);
    });
  });
});

test('supervisor_SUITE: one_for_one_escalation — intensity 0: the first crash stops the supervisor with shutdown, its other children stopped', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({ intensity: 0 }, [child('a', log, { trap: true }), child('b', log)]), undefined);
      const b = (await pidOf(ctx, sup, 'b')) as Pid;
      const ref = ctx.monitor(sup);
      ctx.exit(b, 'boom');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'shutdown');
    });
    assert.deepEqual(log, ['start a', 'start b', 'terminate a shutdown']);
    assert.ok(supervisorReports(logs).some((r) => r.errorContext === 'shutdown' && r.reason === 'reachedMaxRestartIntensity'));
  });
});

test('supervisor_SUITE: restart intensity — intensity N allows N restarts within the period; the next crash stops the supervisor', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({ intensity: 3, period: 3600 }, [child('a', log)]), undefined);
      const ref = ctx.monitor(sup);
      for (let i = 0; i < 3; i++) {
        const pid = (await pidOf(ctx, sup, 'a')) as Pid;
        ctx.exit(pid, 'boom');
        await restarted(ctx, sup, 'a', pid);
      }
      assert.equal(ctx.isAlive(sup), true, 'three restarts are within intensity 3');
      ctx.exit((await pidOf(ctx, sup, 'a')) as Pid, 'boom');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'shutdown');
    });
  });
});

test('supervisor_SUITE: one_for_one_escalation — a child whose restart keeps failing stops the supervisor once the intensity is spent', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      let starts = 0;
      const flaky: ChildSpec = {
        id: 'flaky',
        start: (c) => {
          starts++;
          if (starts > 1) throw new Error('cannot start again');
          return genServer.startLink(c, logged, { id: 'flaky', log: [] });
        },
      };
      const sup = await supervisor.start(ctx, supOf({ intensity: 2, period: 3600 }, [flaky]), undefined);
      const ref = ctx.monitor(sup);
      ctx.exit((await pidOf(ctx, sup, 'flaky')) as Pid, 'boom');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'shutdown');
      assert.equal(starts, 3, 'the first start and two failed restarts (intensity 2)');
    });
    assert.ok(supervisorReports(logs).some((r) => r.errorContext === 'startError'));
  });
});

test('supervisor_SUITE: child_unlink — a child that unlinked from its supervisor is still stopped by terminateChild', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const unlinking: GenServer<null, 'ping', never, string, void> = {
        init: (_a, c) => {
          c.trapExit(true);
          return ok(null);
        },
        handleInfo: (_m, s) => noreply(s),
      };
      const spec: ChildSpec = {
        id: 'u',
        start: async (c) => {
          const pid = await genServer.startLink(c, unlinking, undefined);
          c.unlink(pid);
          return pid;
        },
        shutdown: 100,
      };
      const sup = await supervisor.start(ctx, supOf({}, [spec]), undefined);
      const pid = (await pidOf(ctx, sup, 'u')) as Pid;
      const ref = ctx.monitor(pid);
      await supervisor.terminateChild(ctx, sup, 'u');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.notEqual(down, TIMEOUT);
      assert.equal(await pidOf(ctx, sup, 'u'), undefined);
    });
  });
});

test('supervisor_SUITE: child_adm — deleteChild and restartChild of a running child answer running; startChild of a known id answers alreadyStarted or alreadyPresent', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({}, [child('a', log)]), undefined);
      const a = (await pidOf(ctx, sup, 'a')) as Pid;
      await assert.rejects(supervisor.deleteChild(ctx, sup, 'a'), (e: SupervisorError) => e.code === 'running');
      await assert.rejects(supervisor.restartChild(ctx, sup, 'a'), (e: SupervisorError) => e.code === 'running');
      await assert.rejects(supervisor.startChild(ctx, sup, child('a', log)), (e: SupervisorError) => e.code === 'alreadyStarted' && e.detail === a);
      await supervisor.terminateChild(ctx, sup, 'a');
      await assert.rejects(supervisor.startChild(ctx, sup, child('a', log)), (e: SupervisorError) => e.code === 'alreadyPresent');
      const again = await supervisor.restartChild(ctx, sup, 'a');
      assert.notEqual(again, a);
      await assert.rejects(supervisor.terminateChild(ctx, sup, 'nope'), (e: SupervisorError) => e.code === 'notFound');
      await assert.rejects(supervisor.deleteChild(ctx, sup, 'nope'), (e: SupervisorError) => e.code === 'notFound');
      await assert.rejects(supervisor.restartChild(ctx, sup, 'nope'), (e: SupervisorError) => e.code === 'notFound');
    });
  });
});

test('supervisor_SUITE: simple_one_for_one — each child gets the extra arguments, is restarted with them, and all stop with the supervisor', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const template: ChildSpec = { id: 'w', start: (c, ...extra) => genServer.startLink(c, logged, { id: String(extra[0]), log, trap: true }) };
      ctx.trapExit(true);
      const sup = await supervisor.startLink(ctx, supOf({ strategy: 'simpleOneForOne', intensity: 10 }, [template]), undefined);
      const p1 = (await supervisor.startChild(ctx, sup, ['one'])) as Pid;
      await supervisor.startChild(ctx, sup, ['two']);
      ctx.send(p1, 'crash');
      for (const deadline = Date.now() + WAIT; log.filter((l) => l === 'start one').length < 2; await ctx.receive(null, 5)) {
        assert.ok(Date.now() < deadline, 'child one was not restarted');
      }
      await assert.rejects(supervisor.deleteChild(ctx, sup, 'w'), (e: SupervisorError) => e.code === 'simpleOneForOne');
      await assert.rejects(supervisor.restartChild(ctx, sup, 'w'), (e: SupervisorError) => e.code === 'simpleOneForOne');
      ctx.exit(sup, 'shutdown');
      await downReason(ctx, sup);
    });
    assert.deepEqual(log.slice(0, 4), ['start one', 'start two', 'terminate one boom', 'start one']);
    assert.deepEqual(log.slice(4).sort(), ['terminate one shutdown', 'terminate two shutdown']);
  });
});

test('supervisor_SUITE: do_not_save_start_parameters_for_temporary_children — temporary dynamic children that end are not kept', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const template: ChildSpec = { id: 'w', restart: 'temporary', start: (c) => genServer.startLink(c, logged, { id: 't', log: [] }) };
      const sup = await supervisor.start(ctx, supOf({ strategy: 'simpleOneForOne' }, [template]), undefined);
      const pids = [] as Pid[];
      for (let i = 0; i < 5; i++) pids.push((await supervisor.startChild(ctx, sup, [])) as Pid);
      for (const p of pids.slice(0, 3)) await genServer.stop(ctx, p, 'normal');
      ctx.exit(pids[3]!, 'boom');
      await downReason(ctx, pids[3]!);
      const counts = await supervisor.countChildren(ctx, sup);
      assert.equal(counts.active, 1);
      assert.equal(counts.workers, 1);
      assert.deepEqual((await supervisor.whichChildren(ctx, sup)).map((c) => c.pid), [pids[4]]);
    });
  });
});

test('supervisor_SUITE: an EXIT from a process that is not a child is ignored; the parent\'s exit stops the supervisor with that reason', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const me = ctx.self();
      let sup!: Pid;
      const parent = ctx.spawn(async (c) => {
        sup = await supervisor.startLink(c, supOf({}, [child('a', log, { trap: true })]), undefined);
        c.send(me, 'started');
        await c.receive();
      });
      await ctx.receive((m) => m === 'started', WAIT);
      const stranger = ctx.spawn(async (c) => {
        c.link(sup);
        c.send(me, 'linked');
        await c.receive();
      });
      await ctx.receive((m) => m === 'linked', WAIT);
      ctx.exit(stranger, 'bye');
      assert.equal((await supervisor.whichChildren(ctx, sup)).length, 1, 'the supervisor lives on');
      const ref = ctx.monitor(sup);
      ctx.exit(parent, 'parent_gone');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'parent_gone');
    });
    assert.deepEqual(log, ['start a', 'terminate a shutdown']);
  });
});

test('supervisor_SUITE: terminate_child — a supervisor child (shutdown infinity) is waited for until its own children are down', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const inner = supOf({}, [child('x', log, { trap: true }), child('y', log, { trap: true })]);
      const outer = await supervisor.start(ctx, supOf({}, [{ id: 'inner', type: 'supervisor', start: (c) => supervisor.startLink(c, inner, undefined) }]), undefined);
      await supervisor.terminateChild(ctx, outer, 'inner');
      assert.deepEqual(log, ['start x', 'start y', 'terminate y shutdown', 'terminate x shutdown']);
    });
  });
});

test('supervisor_SUITE: one_for_all — a group restart counts once against the intensity, however many children it restarts', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({ strategy: 'oneForAll', intensity: 1, period: 3600 }, ['a', 'b', 'c'].map((id) => child(id, log))), undefined);
      const b = (await pidOf(ctx, sup, 'b')) as Pid;
      ctx.send(b, 'crash');
      await restarted(ctx, sup, 'c', b);
      await restarted(ctx, sup, 'b', b);
      assert.equal(ctx.isAlive(sup), true, 'one group restart is within intensity 1');
      const ref = ctx.monitor(sup);
      ctx.send((await pidOf(ctx, sup, 'a')) as Pid, 'crash');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'shutdown', 'the second group restart is over it');
    });
  });
});

test('supervisor_SUITE: temporary_abnormal / transient_normal under one_for_all and rest_for_one — an exit that is not restarted leaves the siblings alone', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      for (const strategy of ['oneForAll', 'restForOne'] as const) {
        const sup = await supervisor.start(ctx, supOf({ strategy, intensity: 10 }, [child('temp', log, { restart: 'temporary' }), child('trans', log, { restart: 'transient' }), child('last', log)]), undefined);
        const last = (await pidOf(ctx, sup, 'last')) as Pid;
        const temp = (await pidOf(ctx, sup, 'temp')) as Pid;
        const trans = (await pidOf(ctx, sup, 'trans')) as Pid;
        ctx.send(temp, 'crash');
        await genServer.stop(ctx, trans, { shutdown: 'done' });
        const lines = await supervisor.whichChildren(ctx, sup);
        assert.deepEqual(lines.map((c) => [c.id, c.pid === undefined ? 'stopped' : 'running']), [['last', 'running'], ['trans', 'stopped']], strategy);
        assert.equal(await pidOf(ctx, sup, 'last'), last, `${strategy}: the sibling was not restarted`);
      }
    });
  });
});

test('supervisor_SUITE: restart_child — a restart whose start fails answers startFailed and leaves the child stopped; startChild of a simple_one_for_one whose start throws too', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      let fail = false;
      const spec: ChildSpec = { id: 'f', start: (c) => { if (fail) throw new Error('not now'); return genServer.startLink(c, logged, { id: 'f', log: [] }); } };
      const sup = await supervisor.start(ctx, supOf({}, [spec]), undefined);
      await supervisor.terminateChild(ctx, sup, 'f');
      fail = true;
      await assert.rejects(supervisor.restartChild(ctx, sup, 'f'), (e: SupervisorError) => e.code === 'startFailed' && (e.detail as Error).message === 'not now');
      assert.equal(await pidOf(ctx, sup, 'f'), undefined);
      const sofo = await supervisor.start(ctx, supOf({ strategy: 'simpleOneForOne' }, [spec]), undefined);
      await assert.rejects(supervisor.startChild(ctx, sofo, []), (e: SupervisorError) => e.code === 'startFailed');
      assert.equal((await supervisor.countChildren(ctx, sofo)).active, 0);
    });
  });
});

test('supervisor_SUITE: hanging_restart_loop — while a restart keeps failing the supervisor still answers, showing the child as restarting', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      let fail = false;
      let attempts = 0;
      const spec: ChildSpec = {
        id: 'h',
        start: (c) => {
          if (fail) {
            attempts++;
            throw new Error('not yet');
          }
          return genServer.startLink(c, logged, { id: 'h', log: [] });
        },
      };
      const sup = await supervisor.start(ctx, supOf({ intensity: 1_000_000, period: 3600 }, [spec]), undefined);
      const first = (await pidOf(ctx, sup, 'h')) as Pid;
      fail = true;
      ctx.send(first, 'crash');
      for (const deadline = Date.now() + WAIT; attempts < 3; await ctx.receive(null, 5)) assert.ok(Date.now() < deadline, 'no retries seen');
      const lines = await supervisor.whichChildren(ctx, sup);
      assert.equal(lines[0]!.pid, 'restarting');
      assert.deepEqual(await supervisor.countChildren(ctx, sup), { specs: 1, active: 0, supervisors: 0, workers: 1 });
      await assert.rejects(supervisor.restartChild(ctx, sup, 'h'), (e: SupervisorError) => e.code === 'restarting');
      fail = false;
      await restarted(ctx, sup, 'h', first);
    });
  });
});

test('supervisor_SUITE: sup_stop — gen_server:stop of a supervisor stops its children newest first, then it exits with the reason given', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({}, [child('a', log, { trap: true }), child('b', log, { trap: true })]), undefined);
      const ref = ctx.monitor(sup);
      await genServer.stop(ctx, sup, 'normal');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'normal');
    });
    assert.deepEqual(log, ['start a', 'start b', 'terminate b shutdown', 'terminate a shutdown']);
  });
});

test('supervisor_SUITE: a killed supervisor takes its children down through their links: a trapping child terminates with killed', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({}, [child('trapping', log, { trap: true }), child('plain', log)]), undefined);
      const trapping = (await pidOf(ctx, sup, 'trapping')) as Pid;
      const plain = (await pidOf(ctx, sup, 'plain')) as Pid;
      const r1 = ctx.monitor(trapping);
      const r2 = ctx.monitor(plain);
      ctx.exit(sup, 'kill');
      assert.equal(((await ctx.receive((m) => isDown(m, r1), WAIT)) as { reason: unknown }).reason, 'killed');
      assert.equal(((await ctx.receive((m) => isDown(m, r2), WAIT)) as { reason: unknown }).reason, 'killed');
    });
    assert.deepEqual(log, ['start trapping', 'start plain', 'terminate trapping killed']);
  });
});

test('supervisor_SUITE: hanging_restart_loop_simple — a dynamic child whose restart keeps failing shows as restarting beside the others, and comes back once its start works', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      let fail = false;
      let attempts = 0;
      const template: ChildSpec = {
        id: 'w',
        start: (c, ...extra) => {
          if (fail) {
            attempts++;
            throw new Error('not again');
          }
          return genServer.startLink(c, logged, { id: String(extra[0]), log: [] });
        },
      };
      const sup = await supervisor.start(ctx, supOf({ strategy: 'simpleOneForOne', intensity: 1_000_000, period: 3600 }, [template]), undefined);
      const a = (await supervisor.startChild(ctx, sup, ['a'])) as Pid;
      const b = (await supervisor.startChild(ctx, sup, ['b'])) as Pid;
      fail = true;
      ctx.send(a, 'crash');
      for (const deadline = Date.now() + WAIT; attempts < 3; await ctx.receive(null, 5)) assert.ok(Date.now() < deadline, 'no retries seen');
      const pids = (await supervisor.whichChildren(ctx, sup)).map((c) => c.pid);
      assert.ok(pids.includes('restarting') && pids.includes(b), `restarting and b expected, got ${pids.map(String).join(', ')}`);
      fail = false;
      for (const deadline = Date.now() + WAIT; (await supervisor.whichChildren(ctx, sup)).some((c) => c.pid === 'restarting'); await ctx.receive(null, 5)) {
        assert.ok(Date.now() < deadline, 'the child never came back');
      }
      assert.equal((await supervisor.countChildren(ctx, sup)).active, 2);
    });
  });
});

test('supervisor_SUITE: multiple_restarts — restarts older than the period no longer count: intensity 1 per second survives a crash every two seconds', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({ intensity: 1, period: 1 }, [child('c', [], { shutdown: 'brutalKill' })]), undefined);
      for (let i = 0; i < 4; i++) {
        if (i > 0) await ctx.sleep(2100); // the time passing is what this case is about
        const pid = (await pidOf(ctx, sup, 'c')) as Pid;
        ctx.send(pid, 'crash');
        await restarted(ctx, sup, 'c', pid);
      }
      assert.equal(ctx.isAlive(sup), true);
      await supervisor.terminateChild(ctx, sup, 'c');
      await supervisor.deleteChild(ctx, sup, 'c');
      assert.deepEqual(await supervisor.whichChildren(ctx, sup), []);
    });
  });
});

test('supervisor_SUITE: do_not_save_child_specs_for_temporary_children — terminateChild of a temporary child forgets it: restart and delete answer notFound', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, supOf({}, []), undefined);
      await supervisor.startChild(ctx, sup, child('temp', log, { restart: 'temporary' }));
      await supervisor.terminateChild(ctx, sup, 'temp');
      assert.deepEqual(await supervisor.whichChildren(ctx, sup), []);
      await assert.rejects(supervisor.restartChild(ctx, sup, 'temp'), (e: SupervisorError) => e.code === 'notFound');
      await assert.rejects(supervisor.deleteChild(ctx, sup, 'temp'), (e: SupervisorError) => e.code === 'notFound');
      assert.deepEqual(await supervisor.countChildren(ctx, sup), { specs: 0, active: 0, supervisors: 0, workers: 0 });
    });
  });
});
