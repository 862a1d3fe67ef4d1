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
