// Model-based test of supervisor auto shutdown (issue 17; OTP 24's auto_shutdown and significant children,
// supervisor_SUITE's significant_* cases): random static children (permanent, transient or temporary,
// significant or not) under anySignificant or allSignificant, random ends (normal, shutdown, a crash),
// terminateChild and restartChild; after each step the supervisor is alive exactly when a model of OTP's
// rules says so (a significant child that ends on its own counts, terminateChild does not; allSignificant
// waits for the last running significant child), with the children the model says, running or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { genServer, isDown, noreply, ok, stop, supervisor, CallError, SupervisorError, TIMEOUT, type ChildSpec, type ExitReason, type GenServer, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 30_000;

const worker: GenServer<null, never, ExitReason, never, void> = {
  name: 'auto_shutdown_worker',
  init: () => ok(null),
  handleCast: (reason, s) => stop(reason, s),
  handleInfo: (_m, s) => noreply(s),
};

type Restart = 'permanent' | 'transient' | 'temporary';
interface Spec {
  restart: Restart;
  significant: boolean;
}
type Op = { op: 'end'; child: number; reason: 'normal' | 'shutdown' | 'crashed' } | { op: 'terminate' | 'restart'; child: number };

const spec: fc.Arbitrary<Spec> = fc.constantFrom<Restart>('permanent', 'transient', 'temporary').chain((restart) => fc.record({ restart: fc.constant(restart), significant: restart === 'permanent' ? fc.constant(false) : fc.boolean() }));
const op = (n: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('end' as const), child: fc.nat(n - 1), reason: fc.constantFrom('normal' as const, 'shutdown' as const, 'crashed' as const) }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constantFrom('terminate' as const, 'restart' as const), child: fc.nat(n - 1) }), weight: 2 },
  );
const scenario = fc.tuple(fc.array(spec, { minLength: 1, maxLength: 5 }), fc.constantFrom('anySignificant' as const, 'allSignificant' as const)).chain(([specs, mode]) => fc.tuple(fc.constant(specs), fc.constant(mode), fc.array(op(specs.length), { maxLength: 20 })));

// A child of the model: whether the supervisor still has it (a temporary one goes when it ends) and whether it runs.
interface Child extends Spec {
  id: string;
  kept: boolean;
  running: boolean;
}

async function run(ctx: ProcessContext, specs: Spec[], mode: 'anySignificant' | 'allSignificant', ops: Op[]): Promise<void> {
  const children: Child[] = specs.map((s, i) => ({ ...s, id: `c${i}`, kept: true, running: true }));
  const childSpecs: ChildSpec[] = children.map((c) => ({ id: c.id, start: (x) => genServer.startLink(x, worker, undefined), restart: c.restart, significant: c.significant }));
  const sup = await supervisor.start(ctx, { name: 'auto_shutdown_model', init: () => ({ flags: { strategy: 'oneForOne', intensity: 1000, period: 1, autoShutdown: mode }, children: childSpecs }) }, undefined);
  const supRef = ctx.monitor(sup);
  const pidOf = async (id: string): Promise<Pid | undefined> => {
    const c = (await supervisor.whichChildren(ctx, sup)).find((x) => x.id === id);
    return c !== undefined && typeof c.pid === 'object' ? (c.pid as Pid) : undefined;
  };

  for (const o of ops) {
    const c = children[o.child]!;
    let shutdown = false;
    if (o.op === 'end') {
      if (!c.kept || !c.running) continue;
      const pid = (await pidOf(c.id))!;
      const ref = ctx.monitor(pid);
      genServer.cast(ctx, pid, o.reason);
      assert.notEqual(await ctx.receive((m) => isDown(m, ref), WAIT), TIMEOUT, `${c.id} ends`);
      // OTP's do_restart: a permanent child, or a transient one that crashed, is restarted; otherwise it is
      // gone (a temporary one from the list too) and, if significant, the auto shutdown rule is asked.
      const restarted = c.restart === 'permanent' || (c.restart === 'transient' && o.reason === 'crashed');
      if (!restarted) {
        c.running = false;
        if (c.restart === 'temporary') c.kept = false;
        if (c.significant) shutdown = mode === 'anySignificant' || !children.some((x) => x.kept && x.running && x.significant);
      }
    } else if (o.op === 'terminate') {
      const r = await supervisor.terminateChild(ctx, sup, c.id).then(
        () => 'ok',
        (e: unknown) => (e instanceof SupervisorError ? e.code : String(e)),
      );
      assert.equal(r, c.kept ? 'ok' : 'notFound', `terminateChild ${c.id}`);
      c.running = false;
      if (c.restart === 'temporary') c.kept = false;
    } else {
      const r = await supervisor.restartChild(ctx, sup, c.id).then(
        () => 'ok',
        (e: unknown) => (e instanceof SupervisorError ? e.code : String(e)),
      );
      assert.equal(r, !c.kept ? 'notFound' : c.running ? 'running' : 'ok', `restartChild ${c.id}`);
      if (c.kept) c.running = true;
    }
    if (shutdown) {
      const down = await ctx.receive((m) => isDown(m, supRef), WAIT);
      assert.notEqual(down, TIMEOUT, `the supervisor shuts itself down after ${JSON.stringify(o)} (${mode})`);
      assert.equal((down as { reason: unknown }).reason, 'shutdown');
      return;
    }
    const listed = await supervisor.whichChildren(ctx, sup).catch((e: unknown) => assert.fail(`the supervisor was expected to live on after ${JSON.stringify(o)} (${mode}): ${e instanceof CallError ? String(e.failure) : String(e)}`));
    const got = listed.map((x) => `${x.id}:${typeof x.pid === 'object' ? 'running' : 'stopped'}`).sort();
    const want = children.filter((x) => x.kept).map((x) => `${x.id}:${x.running ? 'running' : 'stopped'}`).sort();
    assert.deepEqual(got, want, `the children after ${JSON.stringify(o)}`);
  }
  ctx.demonitor(supRef, { flush: true });
  await genServer.stop(ctx, sup);
}

test('supervisor_SUITE significant_* (model): auto shutdown follows a model of OTP rules under random ends, terminateChild and restartChild', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await fc.assert(
      fc.asyncProperty(scenario, ([specs, mode, ops]) => node.run((ctx) => run(ctx, specs, mode, ops))),
      { numRuns: 100 },
    );
  });
});
