// application_SUITE's get_key, get_all_key and get_supervisor cases (lib/kernel/test/application_SUITE.erl), with the
// no-app form used inside an application's own processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, supervisor, type ApplicationModule, type ProcessContext } from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

const idle = (ctx: ProcessContext): Promise<unknown> => ctx.receive();

test('application_SUITE: get_key — every key of a loaded application; undefined for one not loaded or a key it has not', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      assert.equal(application.getKey(ctx, 'key_app', 'vsn'), undefined, 'nothing is loaded yet');
      await application.load(ctx, { name: 'key_dep', vsn: '0.1.0' });
      await application.load(ctx, {
        name: 'key_app',
        vsn: '2.1.0',
        description: 'the keys app',
        modules: ['key_app', 'key_sup'],
        registered: ['key_server'],
        applications: ['key_dep'],
        env: { port: 80 },
      });
      assert.equal(application.getKey(ctx, 'key_app', 'vsn'), '2.1.0');
      assert.equal(application.getKey(ctx, 'key_app', 'description'), 'the keys app');
      assert.deepEqual(application.getKey(ctx, 'key_app', 'modules'), ['key_app', 'key_sup']);
      assert.deepEqual(application.getKey(ctx, 'key_app', 'registered'), ['key_server']);
      assert.deepEqual(application.getKey(ctx, 'key_app', 'applications'), ['key_dep']);
      application.setEnv(ctx, 'key_app', 'debug', true);
      assert.deepEqual(application.getKey(ctx, 'key_app', 'env'), { port: 80, debug: true });
      assert.equal(application.getKey(ctx, 'key_app', 'mod'), null, 'a library application has no callback module');
      assert.equal(application.getKey(ctx, 'key_app', 'nokey' as 'vsn'), undefined);
      assert.equal(application.getKey(ctx, 'vsn'), undefined, 'the test process belongs to no application');
      assert.deepEqual(application.getAllKey(ctx, 'key_dep'), {
        description: '',
        vsn: '0.1.0',
        modules: [],
        registered: [],
        applications: [],
        env: {},
        mod: null,
        startPhases: undefined,
      });
      assert.equal(application.getAllKey(ctx), undefined);
      await application.unload(ctx, 'key_app');
      assert.equal(application.getAllKey(ctx, 'key_app'), undefined, 'an unloaded application has no keys');
    });
  });
});

test('application_SUITE: get_key/1 — inside its own processes an application reads its keys without naming itself', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const seen: unknown[] = [];
      const mod: ApplicationModule = {
        start(_type, _args, c) {
          seen.push(application.getKey(c, 'vsn'), application.getAllKey(c)?.mod?.args);
          return c.spawn(idle, { link: true });
        },
      };
      await application.load(ctx, { name: 'self_key', vsn: '3.0.0', mod, modArgs: { size: 2 } });
      await application.start(ctx, 'self_key');
      assert.deepEqual(seen, ['3.0.0', { size: 2 }]);
      assert.equal(application.getKey(ctx, 'self_key', 'mod')?.module, mod);
      await application.stop(ctx, 'self_key');
    });
  });
});

test('application_SUITE: get_supervisor — the top supervisor of a running application; undefined before it starts, after it stops, and for a library', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const mod: ApplicationModule = { start: (_t, _a, c) => supervisor.startLink(c, { init: () => ({ children: [] }) }, undefined) };
      await application.load(ctx, { name: 'sup_app', vsn: '1.0.0', mod });
      await application.load(ctx, { name: 'lib_app', vsn: '1.0.0' });
      assert.equal(await application.getSupervisor(ctx, 'sup_app'), undefined, 'loaded, not started');
      await application.start(ctx, 'sup_app');
      await application.start(ctx, 'lib_app');
      const top = await application.getSupervisor(ctx, 'sup_app');
      assert.ok(top !== undefined && ctx.processInfo(top)?.behaviour === 'supervisor', `a supervisor, got ${String(top)}`);
      assert.equal(await application.getSupervisor(ctx, 'lib_app'), undefined, 'a library application has no supervisor');
      assert.equal(await application.getSupervisor(ctx, 'no_such_app'), undefined);
      await application.stop(ctx, 'sup_app');
      assert.equal(await application.getSupervisor(ctx, 'sup_app'), undefined, 'stopped');
      assert.equal(ctx.isAlive(top), false);
    });
  });
});
