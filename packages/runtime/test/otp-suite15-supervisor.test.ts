// Cases after OTP's lib/stdlib/test/supervisor_SUITE.erl and the supervisor's documented child start
// contract (a start function creates and links a new process), each named after what it mirrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, ok, isDown, TIMEOUT, type ChildSpec, type GenServer, type Pid, type ProcessContext, type Supervisor, type SupFlags } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const idle: GenServer<null, never, never, never> = { name: 'supervisor_15', init: () => ok(null) };
const startIdle = (ctx: ProcessContext): Promise<Pid> => genServer.startLink(ctx, idle, undefined);
const supOf = (flags: SupFlags, children: ChildSpec[]): Supervisor<void> => ({ name: 'sup_suite15', init: () => ({ flags, children }) });

// The reason a startChild was refused with, as text.
async function refusal(ctx: ProcessContext, sup: Pid, spec: ChildSpec | unknown[]): Promise<string> {
  return supervisor.startChild(ctx, sup, spec).then(
    (pid) => `started ${String(pid)}`,
    (e: { reason?: unknown; message?: string }) => String((e.reason as Error | undefined)?.message ?? e.reason ?? e.message),
  );
}

test('supervisor start contract: a start function returning the supervisor itself, its parent or a running sibling is a failed start, not a child', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const sup = await supervisor.startLink(ctx, supOf({}, [{ id: 'a', start: startIdle }]), undefined);
      const [a] = (await supervisor.whichChildren(ctx, sup)).map((c) => c.pid as Pid);
      // start runs inside the supervisor: ctx.self() there is the supervisor's own pid.
      assert.match(await refusal(ctx, sup, { id: 'self', start: (c) => c.self() }), /supervisor's own pid/);
      assert.match(await refusal(ctx, sup, { id: 'twin', start: () => a! }), /child 'a'/);
      assert.match(await refusal(ctx, sup, { id: 'parent', start: () => ctx.self() }), /the supervisor's parent/);
      // OTP's is_pid guard: an object that only looks like a pid is no child either.
      assert.match(await refusal(ctx, sup, { id: 'fake', start: () => ({ node: 0, id: 1 }) as unknown as Pid }), /instead of a pid or 'ignore'/);
      // Nothing of the refused starts is kept; the first child still runs and is listed once.
      const listed = await supervisor.whichChildren(ctx, sup);
      assert.deepEqual(listed.map((c) => [c.id, c.pid]), [['a', a]]);
      assert.deepEqual(await supervisor.countChildren(ctx, sup), { specs: 1, active: 1, supervisors: 0, workers: 1 });
      assert.equal(ctx.isAlive(sup), true);
    });
  });
});

test('supervisor start contract: a simpleOneForOne child returning a running sibling, and a static child returning its supervisor at init, are refused', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      let first: Pid | undefined;
      const template: ChildSpec = { id: 'w', restart: 'temporary', start: async (c) => (first ??= await startIdle(c)) };
      const sup = await supervisor.start(ctx, supOf({ strategy: 'simpleOneForOne' }, [template]), undefined);
      const child = await supervisor.startChild(ctx, sup, []);
      assert.equal(child, first);
      assert.match(await refusal(ctx, sup, []), /another running child of this supervisor/);
      assert.deepEqual(await supervisor.countChildren(ctx, sup), { specs: 1, active: 1, supervisors: 0, workers: 1 });
      // At init the failed start fails the supervisor's start, as OTP's {shutdown, {failed_to_start_child, Id, _}}.
      const failed = await supervisor.start(ctx, supOf({}, [{ id: 'me', start: (c) => c.self() }]), undefined).then(
        () => 'started',
        (e: { reason?: unknown }) => JSON.stringify(e.reason, (_k, v: unknown) => (v instanceof Error ? v.message : v)),
      );
      assert.match(failed, /failedToStartChild|me/);
      assert.match(failed, /supervisor's own pid/);
    });
  });
});

test('supervisor start contract: a restart that returns a sibling\'s pid is a failed restart, retried until the intensity gives up, and the sibling is stopped once, not twice', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      let aPid: Pid | undefined;
      let bStarts = 0;
      const sup = await supervisor.start(ctx, supOf({ intensity: 2, period: 3600 }, [
        { id: 'a', start: async (c) => (aPid = await startIdle(c)) },
        { id: 'b', start: async (c) => (bStarts++ === 0 ? startIdle(c) : aPid!) },
      ]), undefined);
      const b = (await supervisor.whichChildren(ctx, sup)).find((c) => c.id === 'b')!.pid as Pid;
      const supRef = ctx.monitor(sup);
      const aRef = ctx.monitor(aPid!);
      ctx.exit(b, 'kill');
      const downs: Record<string, unknown> = {};
      for (let i = 0; i < 2; i++) {
        const m = await ctx.receive((x): x is { ref: unknown; reason: unknown } => isDown(x, supRef) || isDown(x, aRef), 20_000);
        assert.notEqual(m, TIMEOUT, 'the supervisor and its first child were expected to exit');
        downs[(m as { ref: unknown }).ref === supRef ? 'sup' : 'a'] = (m as { reason: unknown }).reason;
      }
      assert.deepEqual(downs, { sup: 'shutdown', a: 'shutdown' });
      assert.equal(bStarts, 3, 'the first start and two refused restarts (intensity 2)');
    });
  });
});

// A worker that logs `<id> stop` as its terminate runs (it traps exits, so a shutdown runs it).
function logging(id: string, log: string[]): ChildSpec {
  const server: GenServer<null, never, never, never> = {
    name: `order_${id}`,
    init: (_a, c) => {
      c.trapExit(true);
      log.push(`${id} start`);
      return ok(null);
    },
    terminate: () => {
      log.push(`${id} stop`);
    },
  };
  return { id, start: (c) => genServer.startLink(c, server, undefined), shutdown: 1000 };
}

test('supervisor_SUITE order_of_children: children start in the order given and stop in the opposite order, on a restForOne restart and on the supervisor\'s shutdown', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      // Ids not in alphabetical order, as the OTP case picks them.
      const ids = ['ch7', 'ch3', 'ch10', 'ch2', 'ch5'];
      // Linked, as OTP's case: a supervisor stops on a shutdown from its parent (from anyone else, it is an unknown EXIT).
      ctx.trapExit(true);
      const sup = await supervisor.startLink(ctx, supOf({ strategy: 'restForOne', intensity: 2, period: 3600 }, ids.map((id) => logging(id, log))), undefined);
      assert.deepEqual(log.splice(0), ids.map((id) => `${id} start`));
      const ch10 = (await supervisor.whichChildren(ctx, sup)).find((c) => c.id === 'ch10')!.pid as Pid;
      ctx.exit(ch10, 'kill');
      const deadline = Date.now() + 20_000;
      while (log.length < 5 && Date.now() < deadline) await ctx.sleep(5);
      assert.deepEqual(log.splice(0), ['ch5 stop', 'ch2 stop', 'ch10 start', 'ch2 start', 'ch5 start']);
      const ref = ctx.monitor(sup);
      ctx.exit(sup, 'shutdown');
      assert.notEqual(await ctx.receive((m) => isDown(m, ref), 20_000), TIMEOUT);
      assert.deepEqual(log, ['ch5 stop', 'ch2 stop', 'ch10 stop', 'ch3 stop', 'ch7 stop']);
    });
  });
});

test('supervisor_SUITE sup_start_child_returns_error, sup_start_child_returns_error_simple, sup_start_restart_child_returns_error: a failed start is answered and leaves nothing behind; a failed restartChild leaves the child stopped', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const failing: ChildSpec['start'] = () => {
        throw new Error('reason');
      };
      const sup = await supervisor.start(ctx, supOf({ intensity: 2, period: 3600 }, []), undefined);
      assert.match(await refusal(ctx, sup, { id: 'child1', start: failing }), /failed to start: Error: reason/);
      assert.deepEqual(await supervisor.whichChildren(ctx, sup), []);
      const simple = await supervisor.start(ctx, supOf({ strategy: 'simpleOneForOne' }, [{ id: 'child1', start: (c, how) => (how === 'fail' ? failing(c) : startIdle(c)) }]), undefined);
      assert.match(await refusal(ctx, simple, ['fail']), /failed to start: Error: reason/);
      assert.deepEqual(await supervisor.whichChildren(ctx, simple), []);
      let starts = 0;
      const once = await supervisor.start(ctx, supOf({ intensity: 2, period: 3600 }, [{ id: 'child1', start: (c) => (starts++ === 0 ? startIdle(c) : failing(c)) }]), undefined);
      await supervisor.terminateChild(ctx, once, 'child1');
      await assert.rejects(supervisor.restartChild(ctx, once, 'child1'), (e: { code?: string }) => e.code === 'startFailed');
      assert.deepEqual((await supervisor.whichChildren(ctx, once)).map((c) => [c.id, c.pid]), [['child1', undefined]]);
    });
  });
});

test('supervisor_SUITE count_restarting_children: a dynamic child whose restart keeps failing counts as a worker but not as active until its restart succeeds', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      let failStart = false;
      const template: ChildSpec = {
        id: 'child',
        shutdown: 'brutalKill',
        start: async (c) => {
          if (!failStart) return startIdle(c);
          // As OTP's supervisor_deadlock, a failing start takes a while, so the retries stay within the intensity.
          await c.sleep(20);
          throw new Error('fail_start');
        },
      };
      const sup = await supervisor.start(ctx, supOf({ strategy: 'simpleOneForOne', intensity: 1000, period: 10 }, [template]), undefined);
      const counts = async (): Promise<number[]> => Object.values(await supervisor.countChildren(ctx, sup));
      assert.deepEqual(await counts(), [1, 0, 0, 0]);
      const pids: Pid[] = [];
      for (let i = 1; i <= 3; i++) {
        pids.push((await supervisor.startChild(ctx, sup, []))!);
        assert.deepEqual(await counts(), [1, i, 0, i]);
      }
      failStart = true;
      ctx.exit(pids[0]!, 'kill');
      ctx.exit(pids[1]!, 'kill');
      const until = async (want: number[]): Promise<void> => {
        const deadline = Date.now() + 20_000;
        let got = await counts();
        while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < deadline) got = await counts();
        assert.deepEqual(got, want);
      };
      await until([1, 1, 0, 3]);
      assert.deepEqual((await supervisor.whichChildren(ctx, sup)).map((c) => c.pid === 'restarting').sort(), [false, true, true]);
      failStart = false;
      await until([1, 3, 0, 3]);
      assert.equal(ctx.isAlive(sup), true);
    });
  });
});

test('supervisor start_child on simple_one_for_one: the extra arguments must be a list, as OTP\'s apply(M, F, A ++ Extra) refuses anything else; nothing is started', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      let starts = 0;
      const template: ChildSpec = { id: 'child1', start: (c) => (starts++, startIdle(c)) };
      const sup = await supervisor.start(ctx, supOf({ strategy: 'simpleOneForOne' }, [template]), undefined);
      // A static child's spec given by mistake, and a lone value not wrapped in an array.
      await assert.rejects(supervisor.startChild(ctx, sup, { id: 'other', start: startIdle }), (e: { code?: string; message: string }) => e.code === 'badSpec' && /takes a list of extra start arguments, got a child spec/.test(e.message));
      await assert.rejects(supervisor.startChild(ctx, sup, 'x' as unknown as unknown[]), (e: { code?: string; message: string }) => e.code === 'badSpec' && /got x: pass them as an array/.test(e.message));
      assert.equal(starts, 0);
      assert.deepEqual(await supervisor.whichChildren(ctx, sup), []);
      assert.ok(await supervisor.startChild(ctx, sup, []));
      assert.equal(starts, 1);
    });
  });
});
