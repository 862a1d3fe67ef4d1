// Cases of OTP's application master (lib/kernel/src/application_master.erl's loop_it, exercised by
// application_SUITE): the callback module's prepStop and stop run however the application ends, and a
// prepStop or stop that crashes is reported without stopping the stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, supervisor, ApplicationError, type AppResource, type StartType } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';
import { topOf } from './app-fixtures.ts';
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
