// Cases after OTP's application_SUITE and application_controller: callbacks of an application being stopped
// that call into the application controller (which_applications, stop of another application) get their answer,
// and the controller goes on serving everyone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, supervisor, TIMEOUT, type AppResource, type ProcessContext } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';
import { isNodeStop, startControllerReporting, topOf } from './app-fixtures.ts';
import { waitFor } from '../../../test/support/wait.ts';

// An application whose prepStop asks the controller what `ask` asks, with the master's context its start got.
const asking = (name: string, ask: (ctx: ProcessContext) => Promise<unknown>, answers: unknown[]): AppResource => {
  let master: ProcessContext | undefined;
  return {
    name,
    vsn: '1.0.0',
    mod: {
      start: async (_type, _args, ctx) => {
        master = ctx;
        return supervisor.startLink(ctx, topOf(`${name}_worker`), undefined);
      },
      prepStop: async (state) => {
        answers.push(await ask(master!).catch((error: unknown) => ({ error })));
        return state;
      },
    },
  };
};

const plain = (name: string): AppResource => ({ name, vsn: '1.0.0', mod: { start: (_t, _a, ctx) => supervisor.startLink(ctx, topOf(`${name}_worker`), undefined) } });

const names = (apps: Array<{ name: string }>): string[] => apps.map((a) => a.name).sort();

test('application_controller: a prepStop that asks whichApplications and stops another application gets its answers; the controller goes on serving', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const answers: unknown[] = [];
    await node.run(async (ctx) => {
      await application.load(ctx, plain('ac5_other'));
      await application.load(ctx, plain('ac5_third'));
      await application.load(ctx, asking('ac5_asker', async (m) => [names(await application.whichApplications(m)), await application.stop(m, 'ac5_other')], answers));
      for (const app of ['ac5_other', 'ac5_third', 'ac5_asker']) await application.start(ctx, app);
      await application.stop(ctx, 'ac5_asker');
      // The application being stopped is no longer listed; the other one was stopped from its prepStop.
      assert.deepEqual(answers, [[['ac5_other', 'ac5_third'], undefined]]);
      assert.deepEqual(names(await application.whichApplications(ctx, 5000)), ['ac5_third']);
      assert.equal(ctx.whereis('ac5_other_worker'), undefined);
      // The controller serves starts and stops as before.
      await application.start(ctx, 'ac5_asker');
      await application.stop(ctx, 'ac5_third');
      assert.deepEqual(names(await application.whichApplications(ctx, 5000)), ['ac5_asker']);
    });
  });
});

test('application_controller: a prepStop that stops its own application is refused (it is stopping), and the stop completes', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const answers: unknown[] = [];
    await node.run(async (ctx) => {
      await application.load(ctx, asking('ac5_self', (m) => application.stop(m, 'ac5_self'), answers));
      await application.start(ctx, 'ac5_self');
      await application.stop(ctx, 'ac5_self');
      assert.equal(answers.length, 1);
      const { error } = answers[0] as { error: { code: string; message: string } };
      assert.equal(error.code, 'notStarted');
      assert.match(error.message, /ac5_self.*stopping/);
      assert.deepEqual(await application.whichApplications(ctx, 5000), []);
      await application.start(ctx, 'ac5_self');
      assert.deepEqual(names(await application.whichApplications(ctx, 5000)), ['ac5_self']);
    });
  });
});

test('application_controller: when a permanent application exits, a prepStop that asks whichApplications while the others stop gets its answer and the node stop goes on', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const answers: unknown[] = [];
    await node.run(async (ctx) => {
      await startControllerReporting(node, ctx);
      await application.load(ctx, asking('ac5_bystander', async (m) => names(await application.whichApplications(m)), answers));
      await application.load(ctx, plain('ac5_permanent'));
      await application.start(ctx, 'ac5_bystander');
      await application.start(ctx, 'ac5_permanent', 'permanent');
      ctx.exit(ctx.whereis('ac5_permanent_worker')!, 'kill');
      const stop = await ctx.receive(isNodeStop, 20_000);
      assert.ok(stop !== TIMEOUT, 'the node stop was decided');
      assert.deepEqual(answers, [[]]);
      assert.deepEqual(await application.whichApplications(ctx, 5000), []);
    });
  });
});

test('application_controller: a start of an application while it stops waits for the stop, then starts it again, as OTP\'s controller answers it after the stop', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const starts: string[] = [];
    await node.run(async (ctx) => {
      await application.load(ctx, {
        name: 'ac5_restart',
        vsn: '1.0.0',
        mod: {
          start: (_t, _a, c) => (starts.push('start'), supervisor.startLink(c, topOf('ac5_restart_worker'), undefined)),
          // The first stop is held until the test lets it go.
          prepStop: async (state) => {
            if (starts.length === 1) await held;
            return state;
          },
        },
      });
      await application.start(ctx, 'ac5_restart');
      const stopping = node.run((c) => application.stop(c, 'ac5_restart'));
      await waitFor('the stop to be under way', async () => (await application.whichApplications(ctx, 5000)).length === 0);
      const restarting = node.run((c) => application.start(c, 'ac5_restart'));
      // The controller serves meanwhile; the start has not run yet.
      assert.deepEqual(await application.loadedApplications(ctx).then((l) => l.map((a) => a.name)), ['ac5_restart']);
      assert.deepEqual(starts, ['start']);
      release();
      await stopping;
      await restarting;
      assert.deepEqual(starts, ['start', 'start']);
      assert.deepEqual(names(await application.whichApplications(ctx, 5000)), ['ac5_restart']);
      assert.ok(ctx.whereis('ac5_restart_worker') !== undefined);
    });
  });
});

test('application:ensure_all_started: two callers ensuring one application both succeed; neither answers what the other started', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      // Library dependencies start at once: the second caller's plan names them after the first started them.
      await application.load(ctx, { name: 'ac5_lib1', vsn: '1.0.0' });
      await application.load(ctx, { name: 'ac5_lib2', vsn: '1.0.0', applications: ['ac5_lib1'] });
      await application.load(ctx, { ...plain('ac5_ensured'), applications: ['ac5_lib2'] });
      const both = await Promise.all([node.run((c) => application.ensureAllStarted(c, 'ac5_ensured')), node.run((c) => application.ensureAllStarted(c, 'ac5_ensured'))]);
      // A library started by one caller is not the other's; a start both waited for is both callers' (as OTP answers both).
      assert.deepEqual([...new Set([...both[0], ...both[1]])].sort(), ['ac5_ensured', 'ac5_lib1', 'ac5_lib2']);
      assert.equal(both[0].filter((a) => a.startsWith('ac5_lib')).length + both[1].filter((a) => a.startsWith('ac5_lib')).length, 2, 'each library was started by one caller');
      assert.deepEqual(names(await application.whichApplications(ctx, 5000)), ['ac5_ensured', 'ac5_lib1', 'ac5_lib2']);
      assert.deepEqual(await application.ensureAllStarted(ctx, 'ac5_ensured'), []);
    });
  });
});
