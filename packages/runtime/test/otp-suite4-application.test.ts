// Cases of OTP's application master (lib/kernel/src/application_master.erl's loop_it, exercised by
// application_SUITE): the callback module's prepStop and stop run however the application ends, and a
// prepStop or stop that crashes is reported without stopping the stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, supervisor, ApplicationError, TIMEOUT, type AppResource, type StartType } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';
import { isNodeStop, startControllerReporting, topOf } from './app-fixtures.ts';
import { waitFor } from '../../../test/support/wait.ts';

// An application whose start state is 'started'; its prepStop and stop write to `log`, and throw when asked to.
const logged = (name: string, log: string[], crash = false): AppResource => ({
  name,
  vsn: '1.0.0',
  mod: {
    start: async (_type, _args, ctx) => ({ pid: await supervisor.startLink(ctx, topOf(`${name}_worker`, log), undefined), state: 'started' }),
    prepStop: (state) => {
      log.push(`prepStop ${String(state)}`);
      if (crash) throw new Error('prepStop crashed');
      return 'prepared';
    },
    stop: (state) => {
      log.push(`stop ${String(state)}`);
      if (crash) throw new Error('stop crashed');
    },
  },
});

test('application_master: a top supervisor that exits on its own still gets prepStop and then stop with its state, as OTP', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      await application.load(ctx, logged('am4_tree_exits', log));
      await application.start(ctx, 'am4_tree_exits', 'temporary');
      const worker = ctx.whereis('am4_tree_exits_worker')!;
      // The worker's death exceeds the top supervisor's intensity of 0: the tree exits with shutdown.
      ctx.exit(worker, 'kill');
      await waitFor('the application to be gone', async () => !(await application.whichApplications(ctx)).some((a) => a.name === 'am4_tree_exits'), { ms: 20_000 });
    });
    assert.deepEqual(log, ['prepStop started', 'stop prepared']);
  });
});

test('application_master: a prepStop or stop that throws is reported; the tree still stops in order and application.stop answers', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      await application.load(ctx, logged('am4_crashing_stop', log, true));
      await application.start(ctx, 'am4_crashing_stop');
      await application.stop(ctx, 'am4_crashing_stop');
      assert.deepEqual(await application.whichApplications(ctx), []);
    });
    // prepStop's crash keeps the start state; the worker is shut down (its terminate ran) before stop.
    assert.deepEqual(log, ['prepStop started', 'am4_crashing_stop_worker down', 'stop started']);
    assert.equal(logs.filter((e) => (e.message as { shutdownError?: string }).shutdownError !== undefined).length, 2, 'both crashes were reported');
  });
});

test('application_SUITE: a start type other than temporary, transient or permanent is refused (OTP invalid_restart_type) and nothing starts', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      await application.load(ctx, logged('am4_bad_type', log));
      await application.load(ctx, { name: 'am4_bad_type_dep', vsn: '1.0.0', applications: ['am4_bad_type'] });
      const badType = (e: unknown): boolean => e instanceof ApplicationError && e.code === 'badStartType' && /'permanent'/.test(e.message);
      await assert.rejects(application.start(ctx, 'am4_bad_type', 'perm' as StartType), badType);
      await assert.rejects(application.ensureAllStarted(ctx, 'am4_bad_type_dep', 'Permanent' as StartType), badType);
      assert.deepEqual(await application.whichApplications(ctx), []);
    });
    assert.deepEqual(log, [], 'no start ran');
  });
});

test('application_SUITE: a callback module that cannot be loaded fails the start (startFailed naming it); the controller and the running applications go on, and a permanent one stops the node', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      await startControllerReporting(node, ctx);
      const controller = ctx.whereis('application_controller');
      await application.load(ctx, logged('am4_bystander', log));
      await application.start(ctx, 'am4_bystander');
      await application.load(ctx, { name: 'am4_no_module', vsn: '1.0.0', mod: './am4/no/such/module.js' });
      const unloadable = (e: unknown): boolean => e instanceof ApplicationError && e.code === 'startFailed' && /am4_no_module/.test(e.message) && /no\/such\/module/.test(e.message);
      await assert.rejects(application.start(ctx, 'am4_no_module', 'temporary'), unloadable);
      assert.equal(ctx.whereis('application_controller'), controller, 'the controller runs on');
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['am4_bystander']);
      assert.equal(await ctx.receive(isNodeStop, 0), TIMEOUT, 'a temporary application only fails its start');
      await assert.rejects(application.start(ctx, 'am4_no_module', 'permanent'), unloadable);
      const stop = await ctx.receive(isNodeStop, 20_000);
      assert.notEqual(stop, TIMEOUT, 'a permanent application that cannot start stops the node');
      assert.deepEqual((stop as { nodeStop: { applicationStartFailure?: string } }).nodeStop.applicationStartFailure, 'am4_no_module');
    });
    assert.deepEqual(log, ['prepStop started', 'am4_bystander_worker down', 'stop prepared'], 'the node stop stopped the bystander in order');
  });
});
