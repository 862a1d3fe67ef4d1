// Cases mirroring OTP's application behaviour (lib/kernel application_controller, as application_SUITE and
// supervisor_SUITE faulty_application_shutdown check it), each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, genServer, supervisor, sys, ok, noreply, TIMEOUT, type AppResource, type ApplicationModule, type GenServer, type ProcessContext, type Supervisor } from '@otp-ts/runtime';
import { setEscalationGuard } from '@otp-ts/runtime/tools';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

const worker: GenServer<null, never, never, never, void> = { name: 'worker', init: () => ok(null), handleInfo: (_m, s) => noreply(s) };
// A top supervisor that gives up at the first crash of its child: it exits with `shutdown`.
const top: Supervisor<void> = {
  name: 'top_sup',
  init: () => ({ flags: { strategy: 'oneForOne', intensity: 0, period: 3600 }, children: [{ id: 'w', start: (ctx) => genServer.startLink(ctx, worker, undefined, { name: 'app_worker' }) }] }),
};
const mod: ApplicationModule<undefined> = { start: (_type, _args, ctx) => supervisor.startLink(ctx, top, undefined) };
const app: AppResource = { name: 'faulty', vsn: '1.0.0', mod };

type NodeStop = { nodeStop: unknown };

// Polls until the controller has handled the application's exit (it is gone from the list), within a deadline.
async function untilNoApplications(ctx: ProcessContext): Promise<void> {
  const deadline = Date.now() + WAIT;
  while ((await application.whichApplications(ctx)).length > 0) {
    assert.ok(Date.now() < deadline, 'the application was expected to exit');
    await ctx.receive((m) => m === 'never', 10);
  }
}
const isNodeStop = (m: unknown): m is NodeStop => typeof m === 'object' && m !== null && 'nodeStop' in m;

test('supervisor_SUITE faulty_application_shutdown: a transient application whose top supervisor gives up (shutdown) stops the node', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const me = ctx.self();
      await application.startController(ctx, { onNodeStop: (reason) => node.send(me, { nodeStop: reason }) });
      await application.load(ctx, app);
      await application.start(ctx, 'faulty', 'transient');
      ctx.exit(ctx.whereis('app_worker')!, 'kill');
      const m = await ctx.receive(isNodeStop, WAIT);
      assert.notEqual(m, TIMEOUT, 'the node was expected to stop');
      assert.deepEqual((m as NodeStop).nodeStop, { applicationTerminated: 'faulty', reason: 'shutdown' });
    });
  });
});

test('supervisor_SUITE faulty_application_shutdown: the escalation guard is consulted first and may keep the node up', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const seen: unknown[] = [];
    setEscalationGuard(node, (e) => {
      if (e.kind === 'application') seen.push(e);
      return e.kind === 'application';
    });
    await node.run(async (ctx) => {
      const me = ctx.self();
      await application.startController(ctx, { onNodeStop: (reason) => node.send(me, { nodeStop: reason }) });
      await application.load(ctx, app);
      await application.start(ctx, 'faulty', 'transient');
      ctx.exit(ctx.whereis('app_worker')!, 'kill');
      // The controller handles the exit before a later request: once the app is gone from the list, it was decided.
      await untilNoApplications(ctx);
      assert.equal(await ctx.receive(isNodeStop, 0), TIMEOUT, 'the held escalation keeps the node up');
    });
    assert.deepEqual(seen, [{ kind: 'application', app: 'faulty', reason: 'shutdown' }]);
  });
});

test('application transient: an application that exits normal is only reported', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const me = ctx.self();
      await application.startController(ctx, { onNodeStop: (reason) => node.send(me, { nodeStop: reason }) });
      await application.load(ctx, { ...app, name: 'calm' });
      await application.start(ctx, 'calm', 'transient');
      const sup = (ctx.processInfo(ctx.whereis('app_worker')!)!.links).find((p) => p !== ctx.whereis('app_worker'))!;
      await genServer.stop(ctx, sup, 'normal');
      await untilNoApplications(ctx);
      assert.equal(await ctx.receive(isNodeStop, 0), TIMEOUT);
    });
  });
});

// application_SUITE: which_applications/0 is a gen_server call with the default 5000 ms timeout, not a wait for ever.
test('whichApplications on a controller that does not answer exits with a call timeout (default 5000 ms)', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const out = await node.run(async (ctx) => {
      await application.whichApplications(ctx);
      const ac = ctx.whereis('application_controller')!;
      await sys.suspend(ctx, ac);
      // A guard so that a hang fails the test rather than the suite.
      const guard = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 20 s'), 20_000).unref());
      const r = await Promise.race([application.whichApplications(ctx).then(() => 'answered', (e: Error) => e.message), guard]);
      await sys.resume(ctx, ac);
      return r;
    });
    assert.match(out, /timed out after 5000 ms/);
  });
});

// application_SUITE: loaded_applications/0 never waits on a busy controller (OTP reads its table); ours is a call, bounded as which_applications/0.
test('loadedApplications and ensureAllStarted on a controller that does not answer exit with a call timeout (default 5000 ms)', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const out = await node.run(async (ctx) => {
      await application.loadedApplications(ctx);
      const ac = ctx.whereis('application_controller')!;
      await sys.suspend(ctx, ac);
      // A guard so that a hang fails the test rather than the suite.
      const guard = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 20 s'), 20_000).unref());
      const settle = (p: Promise<unknown>): Promise<string> => Promise.race([p.then(() => 'answered', (e: Error) => e.message), guard]);
      const r = [await settle(application.loadedApplications(ctx)), await settle(application.ensureAllStarted(ctx, 'nosuchapp'))];
      await sys.resume(ctx, ac);
      return r;
    });
    assert.match(out[0]!, /timed out after 5000 ms/);
    assert.match(out[1]!, /timed out after 5000 ms/);
  });
});
