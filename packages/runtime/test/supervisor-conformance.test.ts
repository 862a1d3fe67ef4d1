// Supervisor behaviour checked against OTP's supervisor.erl where a path was not walked before: a group restart
// whose start fails, countChildren of a child that died unseen, and a simpleOneForOne's shutdown reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, sys, ok, noreply, TIMEOUT, type ChildCounts, type ChildSpec, type GenServer, type Pid, type ProcessContext, type Strategy } from '@otp-ts/runtime';
import { withNode, quietLogs, ended } from './helpers.ts';

const WAIT = 20_000;

const plain: GenServer<null> = { name: 'plain', init: () => ok(null), handleInfo: (_m, s) => noreply(s) };

/** Polls `check` through the supervisor's mailbox until it holds, within WAIT. */
async function until(ctx: ProcessContext, what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + WAIT; !(await check()); await ctx.receive(null, 5)) assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
}

for (const simple of [false, true]) {
  test(`countChildren${simple ? ' (simpleOneForOne)' : ''} counts as active only children whose process is alive: one killed while the supervisor is suspended is not, in the answer to a call queued before its exit (OTP's count_children)`, async () => {
    await withNode(async (node) => {
      quietLogs(node);
      await node.run(async (ctx) => {
        const start = (c: ProcessContext) => genServer.startLink(c, plain, null);
        const children: ChildSpec[] = simple ? [{ id: 'w', start }] : [{ id: 'a', start }, { id: 'b', start }];
        const sup = await supervisor.start(ctx, { init: () => ({ flags: { strategy: simple ? 'simpleOneForOne' : 'oneForOne' }, children }) }, undefined);
        if (simple) for (let i = 0; i < 2; i++) await supervisor.startChild(ctx, sup, []);
        const victim = (await supervisor.whichChildren(ctx, sup))[0]!.pid as Pid;
        await sys.suspend(ctx, sup);
        const tester = ctx.self();
        ctx.spawn(async (c) => c.send(tester, { counts: await supervisor.countChildren(c, sup) }));
        await until(ctx, 'the call to be queued', () => (ctx.processInfo(sup)?.messageQueueLen ?? 0) >= 1);
        ctx.exit(victim, 'kill');
        await ended(ctx, victim);
        await sys.resume(ctx, sup);
        const answer = await ctx.receive((m): m is { counts: ChildCounts } => typeof m === 'object' && m !== null && 'counts' in m, WAIT);
        assert.notEqual(answer, TIMEOUT);
        assert.deepEqual((answer as { counts: ChildCounts }).counts, { specs: simple ? 1 : 2, active: 1, supervisors: 0, workers: 2 });
      });
    });
  });
}

/** A dynamic child that traps exits and never ends when told to stop (it has to be killed). */
const deaf: GenServer<null> = {
  name: 'deaf',
  init(_a, ctx) {
    ctx.trapExit(true);
    return ok(null);
  },
  handleInfo: (_m, s) => noreply(s),
  terminate: () => new Promise(() => {}),
};

test('simpleOneForOne: children killed past the shutdown time are reported once per reason, listing their pids (OTP\'s terminate_dynamic_children), not once per child', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const sup = await supervisor.startLink(ctx, { init: () => ({ flags: { strategy: 'simpleOneForOne' }, children: [{ id: 'deaf', start: (c: ProcessContext) => genServer.startLink(c, deaf, null), shutdown: 50 }] }) }, undefined);
      const kids: Pid[] = [];
      for (let i = 0; i < 5; i++) kids.push((await supervisor.startChild(ctx, sup, []))!);
      ctx.exit(sup, 'shutdown');
      await ended(ctx, sup);
      for (const k of kids) assert.equal(ctx.isAlive(k), false);
    });
    const errors = logs.map((e) => e.message as Record<string, unknown>).filter((r) => typeof r === 'object' && r.kind === 'supervisor' && r.errorContext === 'shutdownError');
    assert.equal(errors.length, 1, `one report for the one reason, got ${errors.length}`);
    assert.equal(errors[0]!.reason, 'killed');
    assert.equal(((errors[0]!.offender as { pid: Pid[] }).pid).length, 5);
  });
});

for (const strategy of ['oneForAll', 'restForOne'] as Strategy[]) {
  test(`${strategy}: while a group restart keeps failing, only the child whose start failed shows as restarting; those not yet tried show no pid (OTP's which_children)`, async () => {
    await withNode(async (node) => {
      quietLogs(node);
      await node.run(async (ctx) => {
        let fail = false;
        let attempts = 0;
        const spec = (id: string, failing = false): ChildSpec => ({
          id,
          start: (c) => {
            if (failing && fail) {
              attempts++;
              throw new Error('not now');
            }
            return genServer.startLink(c, plain, null);
          },
        });
        const sup = await supervisor.start(ctx, { init: () => ({ flags: { strategy, intensity: 1_000_000, period: 3600 }, children: [spec('a'), spec('b', true), spec('c')] }) }, undefined);
        const a = (await supervisor.whichChildren(ctx, sup)).find((l) => l.id === 'a')!.pid as Pid;
        fail = true;
        ctx.exit(a, 'kill');
        await until(ctx, 'retries', () => attempts >= 3);
        const lines = await supervisor.whichChildren(ctx, sup);
        const pid = (id: string) => lines.find((l) => l.id === id)!.pid;
        assert.ok(typeof pid('a') === 'object' && String(pid('a')) !== String(a), `a runs again (started before b failed), got ${String(pid('a'))}`);
        assert.equal(pid('b'), 'restarting');
        assert.equal(pid('c'), undefined, 'c, not yet tried, has no pid');
        assert.deepEqual(await supervisor.countChildren(ctx, sup), { specs: 3, active: 1, supervisors: 0, workers: 3 });
        fail = false;
        await until(ctx, 'all three running', async () => (await supervisor.countChildren(ctx, sup)).active === 3);
        assert.ok((await supervisor.whichChildren(ctx, sup)).every((l) => typeof l.pid === 'object'));
      });
    });
  });
}

test('oneForOne: a child whose restart failed once is restarted by its own retry while another child keeps failing its restarts (OTP\'s try_again_restart is per child)', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      let xFails = false;
      let yFailsLeft = 0;
      let xAttempts = 0;
      const children: ChildSpec[] = [
        {
          id: 'x',
          start: (c) => {
            if (xFails) {
              xAttempts++;
              throw new Error('x cannot start');
            }
            return genServer.startLink(c, plain, null);
          },
        },
        {
          id: 'y',
          start: (c) => {
            if (yFailsLeft > 0) {
              yFailsLeft--;
              throw new Error('y cannot start yet');
            }
            return genServer.startLink(c, plain, null);
          },
        },
      ];
      const sup = await supervisor.start(ctx, { init: () => ({ flags: { strategy: 'oneForOne', intensity: 1_000_000, period: 3600 }, children }) }, undefined);
      const pidOf = async (id: string) => (await supervisor.whichChildren(ctx, sup)).find((l) => l.id === id)!.pid;
      xFails = true;
      yFailsLeft = 1;
      ctx.exit((await pidOf('x')) as Pid, 'kill');
      await until(ctx, 'x failing its restarts', () => xAttempts >= 2);
      const y = (await pidOf('y')) as Pid;
      ctx.exit(y, 'kill');
      await until(ctx, 'y restarted while x keeps failing', async () => {
        const now = await pidOf('y');
        return typeof now === 'object' && String(now) !== String(y);
      });
      assert.equal(await pidOf('x'), 'restarting');
      xFails = false;
      await until(ctx, 'x running again', async () => typeof (await pidOf('x')) === 'object');
    });
  });
});

test('supervisor flags that are not an object (a strategy written alone, null, an array) fail the start with a bad spec naming them, instead of a oneForOne supervisor (OTP\'s invalid_type)', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      for (const flags of ['oneForAll', null, 5, ['oneForAll']]) {
        const outcome = await supervisor.start(ctx, { init: () => ({ flags, children: [] }) as never }, undefined).then(
          (pid) => `started ${String(pid)}`,
          (e: { reason?: unknown }) => e.reason,
        );
        const why = (outcome as { badSupervisorSpec?: string }).badSupervisorSpec ?? String(outcome);
        assert.match(why, /^supervisor flags must be an object such as \{ strategy: 'oneForAll', intensity: 1, period: 5 \}, got /, `flags ${JSON.stringify(flags)}: ${why}`);
      }
    });
  });
});

test('startChild given extra arguments (an array) on a supervisor that is not simpleOneForOne, or null, is refused with a sentence saying what it takes; checkChildSpecs(null) names null', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, { init: () => ({ flags: { strategy: 'oneForAll' }, children: [] }) }, undefined);
      await assert.rejects(supervisor.startChild(ctx, sup, [1, 2]), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'badSpec');
        assert.equal(e.message, "this oneForAll supervisor's startChild takes a child spec { id, start, ... }: a list of extra start arguments is for a simpleOneForOne supervisor");
        return true;
      });
      await assert.rejects(supervisor.startChild(ctx, sup, null as never), /^SupervisorError: a child spec must be an object \{ id, start, \.\.\. \}, got null$/);
      const checked = supervisor.checkChildSpecs(null as never);
      assert.ok(checked !== 'ok');
      assert.equal(checked.error.message, 'child specs must be an array, got null');
      assert.deepEqual(await supervisor.countChildren(ctx, sup), { specs: 0, active: 0, supervisors: 0, workers: 0 });
    });
  });
});
