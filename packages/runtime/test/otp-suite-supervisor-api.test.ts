// Cases mirroring OTP's lib/stdlib/test/supervisor_SUITE.erl for auto_shutdown, significant children,
// check_childspecs and count_children, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, upgradeModules, ok, stop, noreply, isDown, SupervisorError, TIMEOUT, type ChildSpec, type ExitReason, type GenServer, type Pid, type ProcessContext, type Supervisor, type SupFlags } from '@otp-ts/runtime';
import { withNode, quietLogs, compileModule, codeServerFor } from './helpers.ts';

const WAIT = 20_000;

/** A worker that exits with whatever reason it is cast (OTP's supervisor_1 told to stop). */
const worker: GenServer<null, never, ExitReason, never, void> = {
  name: 'worker',
  init: () => ok(null),
  handleCast: (reason, s) => stop(reason, s),
  handleInfo: (_m, s) => noreply(s),
};
const child = (id: string, extra: Partial<ChildSpec> = {}): ChildSpec => ({ id, start: (ctx) => genServer.startLink(ctx, worker, undefined), ...extra });
const sup = (flags: SupFlags, children: ChildSpec[]): Supervisor<void> => ({ name: 'sup_test', init: () => ({ flags, children }) });

async function pidOf(ctx: ProcessContext, s: Pid, id: string): Promise<Pid> {
  const info = (await supervisor.whichChildren(ctx, s)).find((c) => c.id === id);
  assert.ok(info && typeof info.pid === 'object', `child ${id} was expected to run`);
  return info.pid as Pid;
}

// Ends a child and waits until it is gone (its supervisor has then got its EXIT first, as it is linked).
async function endChild(ctx: ProcessContext, pid: Pid, reason: ExitReason): Promise<void> {
  const ref = ctx.monitor(pid);
  genServer.cast(ctx, pid, reason);
  assert.notEqual(await ctx.receive((m) => isDown(m, ref), WAIT), TIMEOUT, `${pid} was expected to exit`);
}

// The reason `s` exits with; the supervisor is expected to exit.
async function exitReason(ctx: ProcessContext, ref: ReturnType<ProcessContext['monitor']>): Promise<unknown> {
  const down = await ctx.receive((m) => isDown(m, ref), WAIT);
  assert.notEqual(down, TIMEOUT, 'the supervisor was expected to shut itself down');
  return (down as { reason: unknown }).reason;
}

test('supervisor_SUITE significant_temporary: under anySignificant, a significant temporary child ending, even abnormally, shuts the supervisor down', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ autoShutdown: 'anySignificant' }, [child('other'), child('c', { restart: 'temporary', significant: true })]), undefined);
      const other = await pidOf(ctx, s, 'other');
      const ref = ctx.monitor(s);
      genServer.cast(ctx, await pidOf(ctx, s, 'c'), 'crashed');
      assert.equal(await exitReason(ctx, ref), 'shutdown');
      assert.equal(ctx.isAlive(other), false, 'the other children are stopped with it');
    });
  });
});

test('supervisor_SUITE significant_transient: a significant transient child that crashes is restarted; ending normally shuts the supervisor down', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ autoShutdown: 'anySignificant', intensity: 5 }, [child('c', { restart: 'transient', significant: true })]), undefined);
      const first = await pidOf(ctx, s, 'c');
      await endChild(ctx, first, 'crashed');
      const ref = ctx.monitor(s);
      const second = await pidOf(ctx, s, 'c');
      assert.notEqual(second, first);
      genServer.cast(ctx, second, { shutdown: 'done' });
      assert.equal(await exitReason(ctx, ref), 'shutdown');
    });
  });
});

test('supervisor_SUITE significant_bystander: under allSignificant the supervisor stays until its last significant child ends; others do not count', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const flags: SupFlags = { strategy: 'oneForOne', autoShutdown: 'allSignificant' };
      const s = await supervisor.start(ctx, sup(flags, [child('a', { restart: 'transient', significant: true }), child('bystander', { restart: 'transient' }), child('b', { restart: 'transient', significant: true })]), undefined);
      const ref = ctx.monitor(s);
      await endChild(ctx, await pidOf(ctx, s, 'bystander'), 'normal');
      await endChild(ctx, await pidOf(ctx, s, 'a'), 'normal');
      assert.deepEqual(
        (await supervisor.whichChildren(ctx, s)).map((c) => [c.id, typeof c.pid]),
        [
          ['b', 'object'],
          ['bystander', 'undefined'],
          ['a', 'undefined'],
        ],
      );
      genServer.cast(ctx, await pidOf(ctx, s, 'b'), 'normal');
      assert.equal(await exitReason(ctx, ref), 'shutdown');
    });
  });
});

test('supervisor_SUITE significant_simple: dynamic significant children of a simpleOneForOne supervisor under allSignificant', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ strategy: 'simpleOneForOne', autoShutdown: 'allSignificant' }, [child('t', { restart: 'temporary', significant: true })]), undefined);
      const one = (await supervisor.startChild(ctx, s, []))!;
      const two = (await supervisor.startChild(ctx, s, []))!;
      const ref = ctx.monitor(s);
      await endChild(ctx, one, 'normal');
      assert.equal((await supervisor.countChildren(ctx, s)).active, 1);
      genServer.cast(ctx, two, 'normal');
      assert.equal(await exitReason(ctx, ref), 'shutdown');
    });
  });
});

test('supervisor_SUITE auto_shutdown: terminateChild of a significant child does not shut the supervisor down', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const s = await supervisor.start(ctx, sup({ autoShutdown: 'anySignificant' }, [child('c', { restart: 'transient', significant: true })]), undefined);
      await supervisor.terminateChild(ctx, s, 'c');
      assert.deepEqual(await supervisor.countChildren(ctx, s), { specs: 1, active: 0, supervisors: 0, workers: 1 });
      // Started again by hand, it ends on its own: that counts.
      const ref = ctx.monitor(s);
      await supervisor.restartChild(ctx, s, 'c');
      genServer.cast(ctx, await pidOf(ctx, s, 'c'), 'normal');
      assert.equal(await exitReason(ctx, ref), 'shutdown');
    });
  });
});

test('supervisor_SUITE auto_shutdown: a significant permanent child, or one under autoShutdown never, makes the supervisor fail to start; startChild refuses it', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      for (const [flags, spec] of [
        [{ autoShutdown: 'anySignificant' }, child('p', { significant: true })],
        [{}, child('t', { restart: 'transient', significant: true })],
      ] as const) {
        await assert.rejects(supervisor.start(ctx, sup(flags, [spec]), undefined), (e: Error & { reason?: unknown }) => {
          assert.match(JSON.stringify(e.reason), /badSupervisorSpec.*significant/);
          return true;
        });
      }
      const s = await supervisor.start(ctx, sup({}, []), undefined);
      await assert.rejects(supervisor.startChild(ctx, s, child('t', { restart: 'temporary', significant: true })), (e: SupervisorError) => e.code === 'badSpec' && /autoShutdown/.test(e.message));
    });
  });
});

test('supervisor_SUITE child_specs: checkChildSpecs answers ok, or badSpec naming the child and the field', () => {
  const start = child('x').start;
  assert.equal(supervisor.checkChildSpecs([child('a'), child('b', { restart: 'transient', significant: true })]), 'ok');
  const cases: Array<[ChildSpec[], string, string | undefined, string]> = [
    [[{ id: 'a', start, restart: 'sometimes' as never }], 'restart', 'a', 'any'],
    [[{ id: 'a', start, shutdown: -1 }], 'shutdown', 'a', 'any'],
    [[{ id: 'a', start: 'nope' as never }], 'start', 'a', 'any'],
    [[{ id: '', start }], 'id', undefined, 'any'],
    [[child('a'), child('a')], 'id', 'a', 'any'],
    [[child('a', { significant: true })], 'significant', 'a', 'any'],
    [[child('a', { restart: 'temporary', significant: true })], 'significant', 'a', 'never'],
  ];
  for (const [specs, field, id, mode] of cases) {
    const answer = supervisor.checkChildSpecs(specs, mode === 'never' ? 'never' : undefined);
    assert.ok(answer !== 'ok' && answer.error instanceof SupervisorError, `${field} of ${JSON.stringify(id)} was expected to be refused`);
    assert.equal(answer.error.code, 'badSpec');
    assert.deepEqual(answer.error.detail, { id, field });
  }
});

test('supervisor_SUITE count_children: specs, active, supervisors and workers, running or not', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const nested: ChildSpec = { id: 'nested', type: 'supervisor', start: (c) => supervisor.startLink(c, sup({}, []), undefined) };
      const s = await supervisor.start(ctx, sup({}, [child('a'), child('b'), nested]), undefined);
      assert.deepEqual(await supervisor.countChildren(ctx, s), { specs: 3, active: 3, supervisors: 1, workers: 2 });
      await supervisor.terminateChild(ctx, s, 'b');
      assert.deepEqual(await supervisor.countChildren(ctx, s), { specs: 3, active: 2, supervisors: 1, workers: 2 });
      const simple = await supervisor.start(ctx, sup({ strategy: 'simpleOneForOne' }, [child('t')]), undefined);
      await supervisor.startChild(ctx, simple, []);
      await supervisor.startChild(ctx, simple, []);
      assert.deepEqual(await supervisor.countChildren(ctx, simple), { specs: 1, active: 2, supervisors: 0, workers: 2 });
    });
  });
});

test('docs/behaviours.md auto shutdown example: a job supervisor ends with its job', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      // As in the docs: the job ends normally, and its helper goes with the supervisor.
      const jobSup: Supervisor<void> = {
        name: 'job_sup',
        init: () => ({
          flags: { strategy: 'oneForAll', autoShutdown: 'anySignificant' },
          children: [
            supervisor.worker('helper', (c) => genServer.startLink(c, worker, undefined)),
            supervisor.worker('job', (c) => genServer.startLink(c, worker, undefined), { restart: 'transient', significant: true }),
          ],
        }),
      };
      const s = await supervisor.start(ctx, jobSup, undefined);
      const ref = ctx.monitor(s);
      genServer.cast(ctx, await pidOf(ctx, s, 'job'), 'normal');
      assert.equal(await exitReason(ctx, ref), 'shutdown');
    });
  });
});

test('supervisor_SUITE significant_escalation: a nested supervisor shutting itself down is a significant transient child ending normally for its parent', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const inner = sup({ autoShutdown: 'anySignificant' }, [child('job', { restart: 'transient', significant: true })]);
      const innerSpec: ChildSpec = { id: 'inner', type: 'supervisor', restart: 'transient', significant: true, start: (c) => supervisor.startLink(c, inner, undefined) };
      const outer = await supervisor.start(ctx, sup({ autoShutdown: 'anySignificant' }, [child('other'), innerSpec]), undefined);
      const ref = ctx.monitor(outer);
      const innerPid = await pidOf(ctx, outer, 'inner');
      genServer.cast(ctx, await pidOf(ctx, innerPid, 'job'), 'normal');
      assert.equal(await exitReason(ctx, ref), 'shutdown');
    });
  });
});

const upgradable = (flags: string, significant: boolean) => `
import { genServer, supervisor, ok, stop, type GenServer, type Supervisor } from '@otp-ts/runtime';
const job: GenServer<null, never, 'normal', never, void> = { init: () => ok(null), handleCast: (reason, s) => stop(reason, s) };
export const sup: Supervisor<void> = {
  name: 'upgraded',
  init: () => ({ flags: ${flags}, children: [supervisor.worker('c', (ctx) => genServer.startLink(ctx, job, undefined), { restart: 'transient', significant: ${significant} })] }),
};`;

// Starts the v1 supervisor, upgrades it to v2, ends its child normally; whether the supervisor then shut itself down.
async function afterUpgrade(v1: string, v2: string): Promise<boolean> {
  return withNode(async (node) => {
    const code = codeServerFor(node);
    await code.loadAll([compileModule('app/sup', v1, '1')]);
    return node.run(async (ctx) => {
      const s = await supervisor.start(ctx, (code.exportsOf('app/sup') as { sup: Supervisor<void> }).sup, undefined);
      await upgradeModules(ctx, code, [compileModule('app/sup', v2, '2')]);
      const ref = ctx.monitor(s);
      await endChild(ctx, await pidOf(ctx, s, 'c'), 'normal');
      // A call answered after the child's exit was handled tells that the supervisor is still there.
      return supervisor.countChildren(ctx, s).then(
        () => false,
        async () => (await exitReason(ctx, ref)) === 'shutdown',
      );
    });
  });
}

test('supervisor_SUITE significant_upgrade_never_any: after an upgrade to anySignificant with the child significant, its normal end shuts the supervisor down', async () => {
  assert.equal(await afterUpgrade(upgradable(`{ autoShutdown: 'never' }`, false), upgradable(`{ autoShutdown: 'anySignificant' }`, true)), true);
});

test('supervisor_SUITE significant_upgrade_any_never: after an upgrade to never with the child no longer significant, its normal end is only a transient exit', async () => {
  assert.equal(await afterUpgrade(upgradable(`{ autoShutdown: 'anySignificant' }`, true), upgradable(`{ autoShutdown: 'never' }`, false)), false);
});

test('docs/behaviours.md checkChildSpecs example: a permanent significant child is refused, naming the child and the field', () => {
  const startJob = child('job').start;
  const answer = supervisor.checkChildSpecs([supervisor.worker('job', startJob, { significant: true })]);
  assert.ok(answer !== 'ok');
  assert.equal(answer.error.code, 'badSpec');
  assert.deepEqual(answer.error.detail, { id: 'job', field: 'significant' });
});
