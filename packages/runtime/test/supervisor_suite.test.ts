// Cases translated from OTP's lib/stdlib/test/supervisor_SUITE.erl, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, isDown, ok, Exit, StartError, TIMEOUT, type ChildSpec, type Down, type GenServer, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { ended, notes, quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

// A child that traps exits: on its parent's shutdown it notes whether it is still linked to the parent and
// waits for a 'done' before it ends; any other exit of its parent ends it at once with that reason.
function slowChild(test: Pid) {
  return (c: ProcessContext): Pid =>
    c.spawn(
      async (me) => {
        me.trapExit(true);
        for (;;) {
          const m = await me.receive();
          if (!(m instanceof Exit)) continue;
          if (m.reason === 'shutdown') {
            const linked = me.processInfo(me.self())?.links.some((l) => l.equals(m.from)) ?? false;
            me.send(test, { note: `shutdown, linked ${String(linked)}` });
            const next = await me.receive((x) => x === 'done' || x instanceof Exit, WAIT);
            me.exit(next === TIMEOUT || next === 'done' ? 'shutdown' : (next as Exit).reason);
          }
          me.exit(m.reason);
        }
      },
      { link: true },
    );
}

test('terminate_child: the child stays linked to its supervisor while it shuts down (OTP 25\'s supervisor), so a supervisor killed meanwhile still takes it down', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, { init: () => ({ flags: {}, children: [{ id: 'slow', shutdown: 'infinity', start: slowChild(ctx.self()) }] }) }, undefined);
      const child = (await supervisor.whichChildren(ctx, sup))[0]!.pid as Pid;
      const ref = ctx.monitor(child);
      ctx.spawn(async (c) => {
        await supervisor.terminateChild(c, sup, 'slow').catch(() => undefined);
      });
      assert.deepEqual(await notes(ctx, 1), ['shutdown, linked true']);
      // The supervisor dies while the child is still stopping: the link carries its exit to the child.
      ctx.exit(sup, 'kill');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.notEqual(down, TIMEOUT, 'the child ended with its supervisor instead of staying an orphan');
      assert.equal((down as Down).reason, 'killed');
      await ended(ctx, sup);
    });
  });
});

const worker: GenServer<null, never, never, never, null> = { name: 'supervisor_SUITE_worker', init: () => ok(null) };
const startWorker = (c: ProcessContext) => genServer.startLink(c, worker, null);

test('sup_start_map_faulty_specs: a child without id or start, or one that is no spec, fails the start naming it; a key far from every known one is ignored', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const start = (children: unknown[]) => supervisor.start(ctx, { init: () => ({ flags: {}, children: children as ChildSpec[] }) }, undefined);
      for (const [children, field] of [[[{ start: startWorker }], 'id'], [[{ id: 'child2' }], 'start'], [['child4'], 'child4']] as const) {
        const failed = await start([...children]).catch((e: unknown) => e);
        assert.ok(failed instanceof StartError, `a start with ${JSON.stringify(children)} fails, got ${String(failed)}`);
        assert.match(String(failed.message), new RegExp(field), `the error names ${field}: ${failed.message}`);
      }
      const sup = await start([{ id: 'child3', start: startWorker, sillyFlag: true }]);
      assert.equal((await supervisor.whichChildren(ctx, sup)).length, 1);
      ctx.exit(sup, 'kill');
    });
  });
});

test('simple_global_supervisor: a supervisor registered under a global name answers by that name and restarts its children', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, { init: () => ({ flags: { strategy: 'simpleOneForOne' }, children: [{ id: 'w', start: startWorker }] }) }, undefined, { name: { global: 'global_sup' } });
      const child = (await supervisor.startChild(ctx, { global: 'global_sup' }, []))!;
      ctx.exit(child, 'boom');
      const deadline = Date.now() + WAIT;
      let pids: unknown[] = [];
      while (Date.now() < deadline) {
        pids = (await supervisor.whichChildren(ctx, { global: 'global_sup' })).map((c) => c.pid);
        if (pids.length === 1 && typeof pids[0] === 'object' && !(pids[0] as Pid).equals(child)) break;
        await ctx.sleep(5);
      }
      assert.equal(pids.length, 1);
      assert.notEqual(String(pids[0]), String(child), 'the child was restarted under a new pid');
      assert.deepEqual(await supervisor.countChildren(ctx, { global: 'global_sup' }), { specs: 1, active: 1, supervisors: 0, workers: 1 });
      ctx.exit(sup, 'kill');
    });
  });
});
