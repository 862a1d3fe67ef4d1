// Cases after OTP's lib/stdlib/test/supervisor_SUITE.erl that the other supervisor suites do not walk, each named after its case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, ok, isDown, TIMEOUT, type ChildSpec, type GenServer, type Pid, type ProcessContext, type Supervisor, type SupFlags } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

const idle: GenServer<null, never, never, never> = { name: 'supervisor_1', init: () => ok(null) };
const startIdle = (ctx: ProcessContext): Promise<Pid> => genServer.startLink(ctx, idle, undefined);
const supOf = (flags: SupFlags, children: ChildSpec[]): Supervisor<void> => ({ name: 'sup_suite13', init: () => ({ flags, children }) });

// A start that works the first time and fails ever after (OTP's supervisor_1:start_child(error) once restarted).
function failingOnRestart(): ChildSpec['start'] {
  let starts = 0;
  return (ctx) => {
    if (starts++ > 0) throw new Error('child_error');
    return startIdle(ctx);
  };
}

// Monitors `pid` now; the returned function waits for its exit reason.
function watch(ctx: ProcessContext, pid: Pid): () => Promise<unknown> {
  const ref = ctx.monitor(pid);
  return async () => {
    const m = await ctx.receive((x) => isDown(x, ref), WAIT);
    assert.notEqual(m, TIMEOUT, `${pid} was expected to exit`);
    return (m as { reason: unknown }).reason;
  };
}

// Why a supervisor start failed, as the text of its bad spec (or the reason itself).
async function startRefusal(ctx: ProcessContext, flags: unknown): Promise<string> {
  return supervisor.start(ctx, supOf(flags as SupFlags, []), undefined).then(
    (pid) => `started ${String(pid)}`,
    (e: { reason?: unknown }) => (e.reason as { badSupervisorSpec?: string }).badSupervisorSpec ?? String(e.reason),
  );
}

test('supervisor_SUITE sup_flags: a bad strategy, intensity or period (0, Infinity) fails the start naming the flag; a flag far from every known one is ignored', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      assert.match(await startRefusal(ctx, { strategy: 'noneForOne' }), /strategy must be/);
      assert.match(await startRefusal(ctx, { intensity: Infinity }), /intensity must be an integer >= 0, got Infinity$/);
      assert.match(await startRefusal(ctx, { period: 0 }), /period must be a finite number of seconds > 0, got 0$/);
      // OTP's {invalid_period, infinity}: a supervisor that never forgets a restart is refused, not started.
      assert.match(await startRefusal(ctx, { period: Infinity }), /period must be a finite number of seconds > 0, got Infinity$/);
      assert.match(await startRefusal(ctx, { period: '5' }), /period must be a finite number of seconds > 0, got "5"$/);
      const silly = await supervisor.start(ctx, supOf({ sillyFlag: true } as SupFlags, []), undefined);
      assert.deepEqual(await supervisor.countChildren(ctx, silly), { specs: 0, active: 0, supervisors: 0, workers: 0 });
    });
  });
});

test('supervisor_SUITE sup_start_ignore_permanent_child_start_child_simple: a dynamic child whose start ignores is not kept; the supervisor stops cleanly', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const template: ChildSpec = { id: 'child1', start: (c, how) => (how === 'ignore' ? 'ignore' : startIdle(c)) };
      const sup = await supervisor.startLink(ctx, supOf({ strategy: 'simpleOneForOne' }, [template]), undefined);
      assert.equal(await supervisor.startChild(ctx, sup, ['ignore']), undefined);
      const child = await supervisor.startChild(ctx, sup, []);
      assert.deepEqual((await supervisor.whichChildren(ctx, sup)).map((c) => [c.id, c.pid]), [[undefined, child]]);
      assert.deepEqual(await supervisor.countChildren(ctx, sup), { specs: 1, active: 1, supervisors: 0, workers: 1 });
      const supDown = watch(ctx, sup);
      ctx.exit(sup, 'shutdown');
      assert.equal(await supDown(), 'shutdown');
      assert.equal(ctx.isAlive(child!), false);
    });
  });
});

for (const strategy of ['oneForAll', 'restForOne'] as const) {
  test(`supervisor_SUITE ${strategy === 'oneForAll' ? 'one_for_all' : 'rest_for_one'}_escalation: a later child that cannot be restarted takes the supervisor down, and the earlier child with it`, async () => {
    await withNode(async (node) => {
      quietLogs(node);
      await node.run(async (ctx) => {
        const sup = await supervisor.start(ctx, supOf({ strategy, intensity: 4, period: 3600 }, [
          { id: 'child1', start: startIdle },
          { id: 'child2', start: failingOnRestart() },
        ]), undefined);
        const [c1, c2] = (await supervisor.whichChildren(ctx, sup)).map((c) => c.pid as Pid);
        const c2Down = watch(ctx, c2!);
        const supDown = watch(ctx, sup);
        ctx.exit(c1!, 'abnormal');
        assert.equal(await supDown(), 'shutdown', 'the supervisor gives up');
        assert.equal(await c2Down(), 'shutdown', 'child2 was stopped for the restart');
      });
    });
  });
}

test('supervisor_SUITE simple_one_for_one_escalation: a dynamic child that cannot be restarted takes the supervisor and its other children down', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const failing = failingOnRestart();
      const template: ChildSpec = { id: 'child', start: (c, how) => (how === 'error' ? failing(c) : startIdle(c)) };
      const sup = await supervisor.start(ctx, supOf({ strategy: 'simpleOneForOne', intensity: 4, period: 3600 }, [template]), undefined);
      const c1 = (await supervisor.startChild(ctx, sup, ['error']))!;
      const c2 = (await supervisor.startChild(ctx, sup, []))!;
      const c2Down = watch(ctx, c2);
      const supDown = watch(ctx, sup);
      ctx.exit(c1, 'abnormal');
      assert.equal(await supDown(), 'shutdown');
      assert.equal(await c2Down(), 'shutdown');
    });
  });
});

// Polls until `check` holds or the deadline passes.
async function until(ctx: ProcessContext, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `${what}: not within ${WAIT} ms`);
    await ctx.receive(null, 5);
  }
}

test('supervisor_SUITE tree: a worker crash restarts only it; a child supervisor that gives up restarts the tree under oneForAll, without the dynamic children', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const sup1: ChildSpec = { id: 'supchild1', type: 'supervisor', start: (c) => supervisor.startLink(c, supOf({ intensity: 4, period: 3600 }, [{ id: 'child1', start: startIdle }, { id: 'child2', start: startIdle }]), undefined) };
      const sup2: ChildSpec = { id: 'supchild2', type: 'supervisor', start: (c) => supervisor.startLink(c, supOf({ intensity: 4, period: 3600 }, []), undefined) };
      const top = await supervisor.start(ctx, supOf({ strategy: 'oneForAll', intensity: 4, period: 3600 }, []), undefined);
      const s1 = (await supervisor.startChild(ctx, top, sup1))!;
      const s2 = (await supervisor.startChild(ctx, top, sup2))!;
      assert.deepEqual(await supervisor.countChildren(ctx, top), { specs: 2, active: 2, supervisors: 2, workers: 0 });
      const workers1 = (await supervisor.whichChildren(ctx, s1)).map((c) => c.pid);
      const c3 = (await supervisor.startChild(ctx, s2, { id: 'child3', start: failingOnRestart() }))!;
      const c4 = (await supervisor.startChild(ctx, s2, { id: 'child4', start: startIdle }))!;
      assert.deepEqual(await supervisor.countChildren(ctx, s2), { specs: 2, active: 2, supervisors: 0, workers: 2 });
      // A worker's crash restarts that worker alone.
      ctx.exit(c4, 'abnormal');
      await until(ctx, 'child4 restarted', async () => {
        const p = (await supervisor.whichChildren(ctx, s2)).find((c) => c.id === 'child4')?.pid;
        return typeof p === 'object' && p !== c4;
      });
      assert.equal((await supervisor.whichChildren(ctx, s2)).find((c) => c.id === 'child3')?.pid, c3);
      assert.deepEqual((await supervisor.whichChildren(ctx, s1)).map((c) => c.pid), workers1, 'the other subtree is untouched');
      // child3 cannot come back: supchild2 gives up, and the top supervisor restarts both subtrees.
      const s2Down = watch(ctx, s2);
      const s1Down = watch(ctx, s1);
      ctx.exit(c3, 'abnormal');
      assert.equal(await s2Down(), 'shutdown');
      assert.equal(await s1Down(), 'shutdown');
      const fresh = new Map<string | undefined, Pid>();
      await until(ctx, 'both subtrees restarted', async () => {
        for (const c of await supervisor.whichChildren(ctx, top)) if (typeof c.pid === 'object') fresh.set(c.id, c.pid);
        return fresh.size === 2 && fresh.get('supchild1') !== s1 && fresh.get('supchild2') !== s2;
      });
      const newS1 = fresh.get('supchild1');
      const newS2 = fresh.get('supchild2');
      assert.deepEqual((await supervisor.whichChildren(ctx, newS1!)).map((c) => c.id), ['child2', 'child1'], 'the static workers come back with their supervisor (newest first, as OTP lists them)');
      assert.deepEqual(await supervisor.whichChildren(ctx, newS2!), [], 'children added by startChild do not');
      assert.deepEqual(await supervisor.countChildren(ctx, top), { specs: 2, active: 2, supervisors: 2, workers: 0 });
    });
  });
});
