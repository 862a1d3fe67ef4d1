// Cases after OTP's lib/stdlib/test/supervisor_SUITE.erl and supervisor.erl's shutdown/2, each named after what it mirrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, ok, isDown, Exit, type ChildSpec, type GenServer, type LogEvent, type Pid, type ProcessContext, type Shutdown } from '@otp-ts/runtime';
import { ended, quietLogs, withNode } from './helpers.ts';

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
      // The supervisor reports once it has seen every child down: wait for its own exit before reading the log.
      await ended(ctx, sup);
    });
    assert.deepEqual(log, []);
    assert.deepEqual(shutdownErrors(logs).map((r) => r.reason), ['killed'], 'one report for the one reason');
  });
});

test('supervisor_SUITE: sup_stop_race — children that end by themselves, each with its own reason, while the supervisor is shutting a slow sibling down, leave it to finish its shutdown with reason shutdown', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const sup = await supervisor.startLink(ctx, { name: 'sup_suite18', init: () => ({ flags: { intensity: 2, period: 3600 }, children: [] }) }, undefined);
      // Each racer ends with its reason when told to stop, as OTP's supervisor_4.
      const racer = (reason: unknown) => (c: ProcessContext): Pid =>
        c.spawnLink(async (me) => {
          me.trapExit(true);
          await me.receive((m) => m === 'stop');
          me.exit(reason as never);
        });
      const racers = new Map<Pid, unknown>();
      for (const restart of ['temporary', 'transient', 'permanent'] as const) {
        for (const reason of ['normal', 'shutdown', { shutdown: 'test' }, 'other']) {
          const pid = (await supervisor.startChild(ctx, sup, { id: `${restart}-${JSON.stringify(reason)}`, restart, shutdown: WAIT, start: racer(reason) })) as Pid;
          racers.set(pid, reason);
        }
      }
      // The newest child, shut down first, holds the supervisor until the racers have ended on their own.
      const released: string[] = [];
      const slow = (await supervisor.startChild(ctx, sup, {
        id: 'slow', restart: 'temporary', shutdown: WAIT,
        start: (c) => c.spawnLink(async (me) => {
          me.trapExit(true);
          await me.receive((m): m is Exit => m instanceof Exit);
          for (const pid of racers.keys()) me.send(pid, 'stop');
          // Exits only once every racer is gone, so the supervisor meets them all dead.
          for (const pid of racers.keys()) {
            const ref = me.monitor(pid);
            await me.receive((m) => isDown(m, ref));
          }
          released.push('all');
          me.exit('shutdown');
        }),
      })) as Pid;
      const refs = new Map([...racers.keys()].map((pid) => [pid, ctx.monitor(pid)]));
      const slowRef = ctx.monitor(slow);
      const supRef = ctx.monitor(sup);
      ctx.exit(sup, 'shutdown');
      const reasonOf = async (ref: unknown): Promise<unknown> => ((await ctx.receive((m) => isDown(m, ref as never), WAIT)) as { reason: unknown }).reason;
      assert.equal(await reasonOf(supRef), 'shutdown');
      assert.equal(await reasonOf(slowRef), 'shutdown');
      for (const [pid, reason] of racers) assert.deepEqual(await reasonOf(refs.get(pid)), reason, `racer ${String(pid)}`);
      assert.deepEqual(released, ['all']);
    });
  });
});

test('supervisor.erl validShutdown: a shutdown time is a whole number of milliseconds — 1.5, -1 and NaN are bad specs naming the field; 0, 5000, Infinity, brutalKill and infinity are taken', async () => {
  const start = (): Pid => { throw new Error('never started'); };
  for (const shutdown of [1.5, 0.25, -1, NaN]) {
    const answer = supervisor.checkChildSpecs([{ id: 'w', start, shutdown }]);
    assert.ok(answer !== 'ok', `shutdown ${shutdown} refused`);
    assert.equal(answer.error.code, 'badSpec');
    assert.deepEqual(answer.error.detail, { id: 'w', field: 'shutdown' });
    assert.match(answer.error.message, new RegExp(`whole number of milliseconds >= 0, got ${String(shutdown).replace('.', '\\.')}$`));
  }
  for (const shutdown of [0, 5000, Infinity, 'brutalKill', 'infinity'] as const) assert.equal(supervisor.checkChildSpecs([{ id: 'w', start, shutdown }]), 'ok', `shutdown ${shutdown}`);
  // startChild refuses it too, and the supervisor keeps nothing of it.
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, { name: 'sup_suite18', init: () => ({ flags: {}, children: [] }) }, undefined);
      await assert.rejects(supervisor.startChild(ctx, sup, { id: 'w', start: (c) => genServer.startLink(c, noter([], false), undefined), shutdown: 1.5 }), (e: Error & { code?: string }) => e.code === 'badSpec');
      assert.deepEqual(await supervisor.whichChildren(ctx, sup), []);
    });
  });
});

test('supervisor_SUITE: simple_one_for_one_restart_ignore — a transient or permanent simpleOneForOne child whose restart answers ignore is dropped, and the supervisor still shuts down cleanly', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      for (const restart of ['transient', 'permanent'] as const) {
        // The first two starts run a worker; the third (the second restart) answers ignore.
        let starts = 0;
        const template: ChildSpec = { id: 'child', restart, start: async (c) => (++starts >= 3 ? 'ignore' : genServer.startLink(c, noter([], false), undefined)) };
        const sup = await supervisor.startLink(ctx, { name: 'sup_suite18', init: () => ({ flags: { strategy: 'simpleOneForOne', intensity: 10, period: 3600 }, children: [template] }) }, undefined);
        let pid = (await supervisor.startChild(ctx, sup, [])) as Pid;
        for (const expected of [2, 3]) {
          const ref = ctx.monitor(pid);
          ctx.exit(pid, 'kill');
          await ctx.receive((m) => isDown(m, ref), WAIT);
          // Waits, with a deadline, for the supervisor to have handled the EXIT and made its restart.
          const deadline = Date.now() + WAIT;
          let listed = await supervisor.whichChildren(ctx, sup);
          while ((starts < expected || listed.some((c) => c.pid === pid)) && Date.now() < deadline) {
            await ctx.sleep(5);
            listed = await supervisor.whichChildren(ctx, sup);
          }
          assert.equal(starts, expected, `${restart}: restarted once per kill`);
          if (expected === 2) {
            assert.equal(listed.length, 1);
            pid = listed[0]!.pid as Pid;
            assert.notEqual(pid, undefined);
          } else assert.deepEqual(listed, [], `${restart}: the ignored restart leaves no child`);
        }
        assert.deepEqual(await supervisor.countChildren(ctx, sup), { specs: 1, active: 0, supervisors: 0, workers: 0 });
        const supRef = ctx.monitor(sup);
        ctx.exit(sup, 'shutdown');
        assert.equal(((await ctx.receive((m) => isDown(m, supRef), WAIT)) as { reason: unknown }).reason, 'shutdown');
      }
    });
    assert.deepEqual(shutdownErrors(logs), []);
  });
});

test('supervisor.erl validMods: modules that is not a list of module names (42, a bare string, a list holding a number) is a bad spec naming the field, and startChild keeps nothing of it', async () => {
  const start = (): Pid => { throw new Error('never started'); };
  for (const modules of [42, 'shop/counter', ['shop/counter', 7]]) {
    const answer = supervisor.checkChildSpecs([{ id: 'w', start, modules: modules as string[] }]);
    assert.ok(answer !== 'ok', `modules ${JSON.stringify(modules)} refused`);
    assert.deepEqual(answer.error.detail, { id: 'w', field: 'modules' });
    assert.match(answer.error.message, /modules must be an array of module names \(strings\), got .*: list them, or leave modules out$/);
  }
  for (const modules of [undefined, [], ['shop/counter']]) assert.equal(supervisor.checkChildSpecs([{ id: 'w', start, modules }]), 'ok');
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, { name: 'sup_suite18', init: () => ({ flags: {}, children: [] }) }, undefined);
      await assert.rejects(supervisor.startChild(ctx, sup, { id: 'w', start: () => 'ignore', modules: 42 as unknown as string[] }), (e: Error & { code?: string }) => e.code === 'badSpec');
      assert.deepEqual(await supervisor.whichChildren(ctx, sup), []);
    });
  });
});
