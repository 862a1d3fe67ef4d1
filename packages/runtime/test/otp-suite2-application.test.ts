// More cases mirroring OTP's lib/kernel/test/application_SUITE.erl, each named after the case it follows
// (load/start/stop/unload answers, start types, the stop callbacks' order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, genServer, supervisor, ApplicationError, TIMEOUT, type AppResource, type ApplicationModule, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';
import { isNodeStop, startControllerReporting, topOf, type NodeStop } from './app-fixtures.ts';

const WAIT = 20_000;

function appOf(name: string, log: string[], extra: Partial<AppResource> = {}): AppResource {
  const mod: ApplicationModule<string> = {
    start: async (_type, _args, ctx) => {
      log.push(`${name} start`);
      return { pid: await supervisor.startLink(ctx, topOf(`${name}_worker`, log), undefined), state: 'S0' };
    },
    prepStop: (state) => {
      log.push(`${name} prepStop ${state}`);
      return 'S1';
    },
    stop: (state) => void log.push(`${name} stop ${state}`),
  };
  return { name, vsn: '1.0.0', mod, ...extra };
}

const code = (c: string) => (e: unknown): boolean => e instanceof ApplicationError && e.code === c;

async function untilGone(ctx: ProcessContext, app: string): Promise<void> {
  const deadline = Date.now() + WAIT;
  while ((await application.whichApplications(ctx)).some((a) => a.name === app)) {
    assert.ok(Date.now() < deadline, `${app} was expected to exit`);
    await ctx.receive((m) => m === 'never', 10);
  }
}

test('application_SUITE: load / start / stop / unload — what each answers when the application is not in the state it needs', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      await application.startController(ctx, {});
      await assert.rejects(application.start(ctx, 'as2_app'), code('notLoaded'));
      await application.load(ctx, appOf('as2_app', log));
      await assert.rejects(application.load(ctx, appOf('as2_app', log)), code('alreadyLoaded'));
      await assert.rejects(application.stop(ctx, 'as2_app'), code('notStarted'));
      await application.start(ctx, 'as2_app');
      await assert.rejects(application.start(ctx, 'as2_app'), code('alreadyStarted'));
      await assert.rejects(application.unload(ctx, 'as2_app'), (e: unknown) => e instanceof ApplicationError, 'a running application cannot be unloaded');
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['as2_app']);
      await application.stop(ctx, 'as2_app');
      assert.deepEqual(await application.whichApplications(ctx), []);
      assert.ok((await application.loadedApplications(ctx)).some((a) => a.name === 'as2_app'), 'a stopped application stays loaded');
      await application.start(ctx, 'as2_app');
      await application.stop(ctx, 'as2_app');
      await application.unload(ctx, 'as2_app');
      await assert.rejects(application.unload(ctx, 'as2_app'), code('notLoaded'));
    });
  });
});

test('application_SUITE: app_start_stop — stop runs prepStop with start\'s state, shuts the tree down, then stop with prepStop\'s state', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      await application.startController(ctx, {});
      await application.load(ctx, appOf('as2_order', log));
      await application.start(ctx, 'as2_order');
      assert.ok(ctx.whereis('as2_order_worker'));
      await application.stop(ctx, 'as2_order');
      assert.equal(ctx.whereis('as2_order_worker'), undefined);
    });
    assert.deepEqual(log, ['as2_order start', 'as2_order prepStop S0', 'as2_order_worker down', 'as2_order stop S1']);
  });
});

test('application_SUITE: start_phases / failed start — a start that throws fails with startFailed; the application stays loaded and not running', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await application.startController(ctx, {});
      const failing: AppResource = { name: 'as2_fail', vsn: '1', mod: { start: () => { throw new Error('cannot'); } } };
      await application.load(ctx, failing);
      await assert.rejects(application.start(ctx, 'as2_fail'), code('startFailed'));
      assert.deepEqual(await application.whichApplications(ctx), []);
      assert.ok((await application.loadedApplications(ctx)).some((a) => a.name === 'as2_fail'));
    });
  });
});

test('application_SUITE: start_dep — start refuses an application whose dependency is not running; ensureAllStarted starts both, then nothing', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      await application.startController(ctx, {});
      await application.load(ctx, appOf('as2_base', log));
      await application.load(ctx, appOf('as2_top', log, { applications: ['as2_base'] }));
      await assert.rejects(application.start(ctx, 'as2_top'), code('notStartedDependency'));
      assert.deepEqual(await application.ensureAllStarted(ctx, 'as2_top'), ['as2_base', 'as2_top']);
      assert.deepEqual(await application.ensureAllStarted(ctx, 'as2_top'), []);
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['as2_top', 'as2_base']);
    });
  });
});

test('application_SUITE: temporary — a temporary application whose tree dies is only reported; the node and the other applications go on', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      await startControllerReporting(node, ctx);
      await application.load(ctx, appOf('as2_other', log));
      await application.load(ctx, appOf('as2_temp', log));
      await application.start(ctx, 'as2_other', 'permanent');
      await application.start(ctx, 'as2_temp', 'temporary');
      ctx.exit(ctx.whereis('as2_temp_worker')!, 'kill');
      await untilGone(ctx, 'as2_temp');
      assert.equal(await ctx.receive(isNodeStop, 0), TIMEOUT);
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['as2_other']);
      // It can be started again.
      await application.start(ctx, 'as2_temp');
    });
  });
});

test('application_SUITE: permanent — a permanent application whose tree exits, even normally, stops the other applications and then the node', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      await startControllerReporting(node, ctx);
      await application.load(ctx, appOf('as2_bystander', log));
      await application.load(ctx, appOf('as2_perm', log));
      await application.start(ctx, 'as2_bystander');
      await application.start(ctx, 'as2_perm', 'permanent');
      const worker = ctx.whereis('as2_perm_worker')!;
      const sup = ctx.processInfo(worker)!.links.find((p: Pid) => p !== worker)!;
      await genServer.stop(ctx, sup, 'normal');
      const m = await ctx.receive(isNodeStop, WAIT);
      assert.notEqual(m, TIMEOUT, 'the node was expected to stop');
      assert.deepEqual((m as NodeStop).nodeStop, { applicationTerminated: 'as2_perm', reason: 'normal' });
    });
    assert.ok(log.includes('as2_bystander_worker down'), 'the other application was stopped');
  });
});

test('application_SUITE: ensure_all_started — when one application fails to start, the ones this call started are stopped again; those running before stay', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      await application.startController(ctx, {});
      await application.load(ctx, appOf('as2_ea_running', log));
      await application.load(ctx, appOf('as2_ea_dep', log));
      await application.load(ctx, { name: 'as2_ea_top', vsn: '1', applications: ['as2_ea_running', 'as2_ea_dep'], mod: { start: () => { throw new Error('cannot'); } } });
      await application.start(ctx, 'as2_ea_running');
      await assert.rejects(application.ensureAllStarted(ctx, 'as2_ea_top'), (e: unknown) => e instanceof ApplicationError && e.app === 'as2_ea_top' && e.code === 'startFailed');
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['as2_ea_running']);
    });
    assert.deepEqual(log, ['as2_ea_running start', 'as2_ea_dep start', 'as2_ea_dep prepStop S0', 'as2_ea_dep_worker down', 'as2_ea_dep stop S1']);
  });
});
