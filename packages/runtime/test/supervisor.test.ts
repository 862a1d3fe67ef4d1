import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  SupervisorError,
  StartError} from '@otp-ts/runtime';
import {
  genServer,
  supervisor,
  ok,
  noreply,
  reply,
  isDown,
  loggerOf,
  type ChildSpec,
  type GenServer,
  type LogEvent,
  type OtpNode,
  type Pid,
  type ProcessContext,
  type Supervisor,
  type SupFlags,
} from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

// Progress reports are info: collect those too.
function collectLogs(node: OtpNode): LogEvent[] {
  const events = quietLogs(node);
  loggerOf(node).setLevel('info');
  return events;
}

interface WorkerArgs {
  id: string;
  log: string[];
  trap?: boolean;
  ignoreShutdown?: boolean;
}

/** A worker that logs its start and its terminate, so tests see order. */
const loggingWorker: GenServer<WorkerArgs, 'ping' | 'stopNormal', never, string, WorkerArgs> = {
  name: 'loggingWorker',
  init(args, ctx) {
    args.log.push(`start ${args.id}`);
    if (args.trap) ctx.trapExit(true);
    return ok(args);
  },
  handleCall(req, _from, s) {
    if (req === 'stopNormal') return { type: 'stop', reason: 'normal', state: s, reply: 'bye', hasReply: true };
    return reply('pong', s);
  },
  handleInfo: (_m, s) => noreply(s),
  async terminate(reason, s, ctx) {
    if (s.ignoreShutdown) await ctx.sleep(10_000);
    s.log.push(`stop ${s.id}`);
  },
};

const spec = (id: string, log: string[], extra: Partial<ChildSpec> & { trap?: boolean; ignoreShutdown?: boolean } = {}): ChildSpec => {
  const { trap = true, ignoreShutdown, ...rest } = extra;
  return { id, start: (ctx) => genServer.startLink(ctx, loggingWorker, { id, log, trap, ignoreShutdown }), ...rest };
};

const sup = (flags: SupFlags, children: ChildSpec[]): Supervisor<void> => ({ name: 'testSup', init: () => ({ flags, children }) });

async function pids(ctx: ProcessContext, s: Pid): Promise<Record<string, Pid | string | undefined>> {
  const out: Record<string, Pid | string | undefined> = {};
  for (const c of await supervisor.whichChildren(ctx, s)) out[c.id!] = c.pid as Pid;
  return out;
}

/** Kills `pid`, a child of `s`, and waits until `s` has handled its exit: the child is no longer listed, or `s` is gone. */
async function killAndWait(ctx: ProcessContext, s: Pid, pid: Pid): Promise<void> {
  const ref = ctx.monitor(pid);
  ctx.exit(pid, 'kill');
  await ctx.receive((m) => isDown(m, ref));
  await waitFor('the supervisor to handle its child\'s exit', async () => !ctx.isAlive(s) || !(await supervisor.whichChildren(ctx, s).catch(() => [])).some((c) => c.pid === pid));
}

test('children start in order and stop in reverse order', async () => {
  await withNode(async (node) => {
    collectLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({}, [spec('a', log), spec('b', log), spec('c', log)]), undefined);
      // whichChildren lists the most recently added first, as OTP's which_children does.
      assert.deepEqual(Object.keys(await pids(ctx, s)), ['c', 'b', 'a']);
      assert.deepEqual(await supervisor.countChildren(ctx, s), { specs: 3, active: 3, supervisors: 0, workers: 3 });
      await genServer.stop(ctx, s, 'shutdown');
    });
    assert.deepEqual(log, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });
});

test('oneForOne restarts only the crashed child', async () => {
  await withNode(async (node) => {
    collectLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const s = await supervisor.startLink(ctx, sup({ strategy: 'oneForOne', intensity: 5 }, [spec('a', log), spec('b', log), spec('c', log)]), undefined);
      const before = await pids(ctx, s);
      await killAndWait(ctx, s, before.b as Pid);
      const after = await pids(ctx, s);
      assert.equal(after.a, before.a);
      assert.notEqual(after.b, before.b);
      assert.equal(after.c, before.c);
      assert.equal(await genServer.call(ctx, after.b as Pid, 'ping'), 'pong');
    });
    assert.deepEqual(log, ['start a', 'start b', 'start c', 'start b']);
  });
});

test('oneForAll stops the others in reverse order and restarts all in order', async () => {
  await withNode(async (node) => {
    collectLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const s = await supervisor.startLink(ctx, sup({ strategy: 'oneForAll', intensity: 5 }, [spec('a', log), spec('b', log), spec('c', log)]), undefined);
      const before = await pids(ctx, s);
      log.length = 0;
      await killAndWait(ctx, s, before.b as Pid);
      const after = await pids(ctx, s);
      for (const id of ['a', 'b', 'c']) assert.notEqual(after[id], before[id]);
    });
    assert.deepEqual(log, ['stop c', 'stop a', 'start a', 'start b', 'start c']);
  });
});

test('restForOne restarts the crashed child and those started after it', async () => {
  await withNode(async (node) => {
    collectLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const s = await supervisor.startLink(ctx, sup({ strategy: 'restForOne', intensity: 5 }, [spec('a', log), spec('b', log), spec('c', log)]), undefined);
      const before = await pids(ctx, s);
      log.length = 0;
      await killAndWait(ctx, s, before.b as Pid);
      const after = await pids(ctx, s);
      assert.equal(after.a, before.a);
      assert.notEqual(after.b, before.b);
      assert.notEqual(after.c, before.c);
    });
    assert.deepEqual(log, ['stop c', 'start b', 'start c']);
  });
});

test('more restarts than the intensity within the period take the supervisor down with shutdown, reported', async () => {
  await withNode(async (node) => {
    const logs = collectLogs(node);
    const log: string[] = [];
    const reason = await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ intensity: 2, period: 10 }, [spec('a', log), spec('b', log)]), undefined);
      const ref = ctx.monitor(s);
      for (let i = 0; i < 3; i++) await killAndWait(ctx, s, (await pids(ctx, s)).a as Pid);
      return (await ctx.receive((m) => isDown(m, ref), 1000)) as { reason: unknown };
    });
    assert.equal(reason.reason, 'shutdown');
    assert.ok(log.includes('stop b'), 'the other child was shut down');
    const report = logs.find((e) => typeof e.message === 'object' && e.message.kind === 'supervisor' && e.message.reason === 'reachedMaxRestartIntensity');
    assert.ok(report, 'reachedMaxRestartIntensity was reported');
  });
});

test('restarts older than the period do not count', async () => {
  await withNode(async (node) => {
    collectLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ intensity: 1, period: 0.05 }, [spec('a', [])]), undefined);
      for (let i = 0; i < 3; i++) {
        await killAndWait(ctx, s, (await pids(ctx, s)).a as Pid);
        await ctx.sleep(70); // past the 50 ms period, so the restart no longer counts: the subject, not a wait
      }
      assert.equal(ctx.isAlive(s), true);
    });
  });
});

test('transient children restart only after abnormal exits; temporary children never, and are removed', async () => {
  await withNode(async (node) => {
    collectLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ intensity: 10 }, [spec('t', log, { restart: 'transient' }), spec('tmp', log, { restart: 'temporary' })]), undefined);
      const first = await pids(ctx, s);
      await genServer.call(ctx, first.t as Pid, 'stopNormal');
      const after = await waitFor('the supervisor to handle the normal exit', async () => {
        const now = (await pids(ctx, s)).t;
        return now === first.t ? null : { now };
      });
      assert.equal(after.now, undefined, 'a normal exit is not restarted');
      await supervisor.restartChild(ctx, s, 't');
      await killAndWait(ctx, s, (await pids(ctx, s)).t as Pid);
      assert.ok((await pids(ctx, s)).t !== undefined, 'a crash is restarted');
      await killAndWait(ctx, s, first.tmp as Pid);
      assert.deepEqual(Object.keys(await pids(ctx, s)), ['t']);
    });
  });
});

test('a child that ignores shutdown is killed after its shutdown time; brutalKill kills at once', async () => {
  await withNode(async (node) => {
    const logs = collectLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({}, [spec('stubborn', log, { ignoreShutdown: true, shutdown: 300 }), spec('brutal', log, { shutdown: 'brutalKill' })]), undefined);
      // brutalKill sends no shutdown first: the child (which traps exits and would run its terminate and exit
      // with shutdown) is killed at once. How long that takes is not asserted: a loaded machine may be slow.
      const brutal = ctx.monitor((await pids(ctx, s)).brutal as Pid);
      await supervisor.terminateChild(ctx, s, 'brutal');
      const down = await ctx.receive((m) => isDown(m, brutal), 30_000);
      assert.ok(isDown(down) && down.reason === 'killed', `brutalKill kills at once: ${String(isDown(down) && down.reason)}`);
      const t0 = Date.now();
      await supervisor.terminateChild(ctx, s, 'stubborn');
      assert.ok(Date.now() - t0 >= 290, 'waited for the shutdown time');
      assert.deepEqual((await supervisor.whichChildren(ctx, s)).map((c) => c.pid), [undefined, undefined]);
    });
    assert.ok(!log.includes('stop brutal') && !log.includes('stop stubborn'), 'neither terminate ran to its end');
    assert.ok(logs.some((e) => typeof e.message === 'object' && e.message.errorContext === 'shutdownError' && e.message.reason === 'killed'));
  });
});

test('startChild, restartChild, deleteChild and their refusals', async () => {
  await withNode(async (node) => {
    collectLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({}, []), undefined);
      const pid = await supervisor.startChild(ctx, s, spec('x', []));
      assert.ok(pid);
      await assert.rejects(supervisor.startChild(ctx, s, spec('x', [])), (e: SupervisorError) => e.code === 'alreadyStarted' && e.detail === pid);
      await assert.rejects(supervisor.restartChild(ctx, s, 'x'), (e: SupervisorError) => e.code === 'running');
      await assert.rejects(supervisor.deleteChild(ctx, s, 'x'), (e: SupervisorError) => e.code === 'running');
      await supervisor.terminateChild(ctx, s, 'x');
      await assert.rejects(supervisor.startChild(ctx, s, spec('x', [])), (e: SupervisorError) => e.code === 'alreadyPresent');
      await supervisor.restartChild(ctx, s, 'x');
      await supervisor.terminateChild(ctx, s, 'x');
      await supervisor.deleteChild(ctx, s, 'x');
      await assert.rejects(supervisor.deleteChild(ctx, s, 'x'), (e: SupervisorError) => e.code === 'notFound');
      await assert.rejects(supervisor.startChild(ctx, s, { id: 'bad', start: 42 } as never), (e: SupervisorError) => e.code === 'badSpec' && /start must be a function/.test(e.message));
      const failing: ChildSpec = { id: 'f', start: () => { throw new Error('cannot start'); } };
      await assert.rejects(supervisor.startChild(ctx, s, failing), (e: SupervisorError) => e.code === 'startFailed' && (e.detail as Error).message === 'cannot start');
      assert.ok(ctx.isAlive(s));
    });
  });
});

test('simpleOneForOne starts dynamic children with extra arguments and restarts them with the same ones', async () => {
  await withNode(async (node) => {
    collectLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const template: ChildSpec = { id: 'conn', start: (c, id) => genServer.startLink(c, loggingWorker, { id: String(id), log, trap: true }) };
      const s = await supervisor.start(ctx, sup({ strategy: 'simpleOneForOne', intensity: 5 }, [template]), undefined);
      const p1 = (await supervisor.startChild(ctx, s, ['c1']))!;
      await supervisor.startChild(ctx, s, ['c2']);
      assert.equal((await supervisor.countChildren(ctx, s)).active, 2);
      await killAndWait(ctx, s, p1);
      assert.equal((await supervisor.countChildren(ctx, s)).active, 2);
      // Dynamic children are listed by pid, oldest first: the restarted c1 has a new pid, so it comes after c2.
      const kids = await supervisor.whichChildren(ctx, s);
      await supervisor.terminateChild(ctx, s, kids[1]!.pid as Pid);
      await assert.rejects(supervisor.terminateChild(ctx, s, 'conn'), (e: SupervisorError) => e.code === 'simpleOneForOne');
      await genServer.stop(ctx, s, 'shutdown');
    });
    assert.deepEqual(log, ['start c1', 'start c2', 'start c1', 'stop c1', 'stop c2']);
  });
});

test('a child failing to start fails the supervisor start and stops the children already started', async () => {
  await withNode(async (node) => {
    collectLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const failing: ChildSpec = { id: 'b', start: () => { throw new Error('no database'); } };
      await assert.rejects(supervisor.startLink(ctx, sup({}, [spec('a', log), failing, spec('c', log)]), undefined), (e: StartError) => {
        const r = e.reason as { shutdown: { failedToStartChild: string; reason: Error } };
        return r.shutdown.failedToStartChild === 'b' && r.shutdown.reason.message === 'no database';
      });
      await assert.rejects(supervisor.startLink(ctx, sup({ strategy: 'sideways' as never }, []), undefined), (e: StartError) => /strategy must be/.test(JSON.stringify(e.reason)));
    });
    assert.deepEqual(log, ['start a', 'stop a']);
  });
});

test('nested supervisors: a crash deep in the tree is handled by its own supervisor', async () => {
  await withNode(async (node) => {
    collectLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const inner: Supervisor<void> = { name: 'inner', init: () => ({ children: [spec('leaf', log)] }) };
      const top = await supervisor.start(ctx, sup({}, [spec('w', log), supervisor.childSupervisor('inner', (c) => supervisor.startLink(c, inner, undefined))]), undefined);
      const innerPid = (await pids(ctx, top)).inner as Pid;
      const leaf = (await pids(ctx, innerPid)).leaf as Pid;
      await killAndWait(ctx, innerPid, leaf);
      assert.equal((await pids(ctx, top)).inner, innerPid, 'the inner supervisor survived');
      assert.notEqual((await pids(ctx, innerPid)).leaf, leaf);
      await genServer.stop(ctx, top, 'shutdown');
    });
    assert.deepEqual(log, ['start w', 'start leaf', 'start leaf', 'stop leaf', 'stop w']);
  });
});

test('each child counts how often its supervisor restarted it: kept under its id, per dynamic child while it lives', async () => {
  await withNode(async (node) => {
    collectLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ strategy: 'restForOne', intensity: 10 }, [spec('a', log), spec('b', log), spec('c', log)]), undefined);
      const counts = async (on: Pid) => (await supervisor.whichChildren(ctx, on)).map((c) => [c.id, c.restarts]);
      // whichChildren lists the most recently added first, as OTP does.
      assert.deepEqual(await counts(s), [['c', 0], ['b', 0], ['a', 0]]);
      await killAndWait(ctx, s, (await pids(ctx, s)).b as Pid);
      await killAndWait(ctx, s, (await pids(ctx, s)).b as Pid);
      await killAndWait(ctx, s, (await pids(ctx, s)).c as Pid);
      assert.deepEqual(await counts(s), [['c', 3], ['b', 2], ['a', 0]], 'c is restarted with b (restForOne) and on its own');
      // Stopping and restarting by hand is not a restart by the supervisor; deleting the child forgets its count.
      await supervisor.terminateChild(ctx, s, 'b');
      await supervisor.restartChild(ctx, s, 'b');
      await supervisor.terminateChild(ctx, s, 'c');
      await supervisor.deleteChild(ctx, s, 'c');
      await supervisor.startChild(ctx, s, spec('c', log));
      assert.deepEqual(await counts(s), [['c', 0], ['b', 2], ['a', 0]]);
      assert.equal(ctx.processInfo(s)!.currentFunction, 'gen_server.loop', 'an idle supervisor waits in the gen_server loop, as in OTP');
      assert.equal(ctx.processInfo(s)!.initialCall, 'testSup.init', 'the initial call of a supervisor is the init of its module');
      await genServer.stop(ctx, s, 'shutdown');

      const template: ChildSpec = { id: 'conn', start: (c, id) => genServer.startLink(c, loggingWorker, { id: String(id), log, trap: true }) };
      const dyn = await supervisor.start(ctx, sup({ strategy: 'simpleOneForOne', intensity: 10 }, [template]), undefined);
      const first = (await supervisor.startChild(ctx, dyn, ['c1']))!;
      await supervisor.startChild(ctx, dyn, ['c2']);
      await killAndWait(ctx, dyn, first);
      // Dynamic children are listed by pid, oldest first: the restarted one comes last.
      await killAndWait(ctx, dyn, (await supervisor.whichChildren(ctx, dyn))[1]!.pid as Pid);
      assert.deepEqual(await counts(dyn), [[undefined, 0], [undefined, 2]]);
      await supervisor.terminateChild(ctx, dyn, (await supervisor.whichChildren(ctx, dyn))[1]!.pid as Pid);
      await supervisor.startChild(ctx, dyn, ['c1']);
      assert.deepEqual(await counts(dyn), [[undefined, 0], [undefined, 0]], 'a new dynamic child starts from 0');
      await genServer.stop(ctx, dyn, 'shutdown');
    });
  });
});

test("a child spec or supervisor flags with a misspelt key are refused naming the key and its spelling, instead of the field silently taking its default", async () => {
  await withNode(async (node) => {
    collectLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({}, []), undefined);
      const typo = { ...spec('slow', []), shutdwon: 100 } as ChildSpec;
      await assert.rejects(supervisor.startChild(ctx, s, typo), (e: SupervisorError) => e.code === 'badSpec' && e.message === "child spec 'slow': unknown key 'shutdwon' (did you mean 'shutdown'?): spell it 'shutdown'");
      const strat = { id: 'x', strat: spec('x', []).start } as unknown as ChildSpec;
      await assert.rejects(supervisor.startChild(ctx, s, strat), (e: SupervisorError) => e.code === 'badSpec' && /unknown key 'strat' \(did you mean 'start'\?\)/.test(e.message));
      const tagged = { ...spec('tagged', []), description: 'a spec carrying its own metadata' } as ChildSpec;
      assert.ok(await supervisor.startChild(ctx, s, tagged), 'a key far from every known one is left alone');
      const flags = { init: () => ({ flags: { stratgy: 'oneForAll' }, children: [] }) } as unknown as Supervisor<undefined>;
      await assert.rejects(supervisor.start(ctx, flags, undefined), (e: Error) => /supervisor flags: unknown key 'stratgy' \(did you mean 'strategy'\?\)/.test(e.message));
    });
  });
});
