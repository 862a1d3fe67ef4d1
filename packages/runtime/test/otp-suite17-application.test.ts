// Cases mirroring OTP's lib/kernel/test/application_SUITE.erl, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, genServer, supervisor, ApplicationError, TIMEOUT, type AppResource, type ApplicationModule, type Pid } from '@otp-ts/runtime';
import { isNodeStop, startControllerReporting, topOf, type NodeStop } from './app-fixtures.ts';
import { quietLogs, withNode } from './helpers.ts';

function appOf(name: string, log: string[]): AppResource {
  const mod: ApplicationModule<string> = {
    start: async (_type, _args, ctx) => ({ pid: await supervisor.startLink(ctx, topOf(`${name}_worker`, log), undefined), state: 'S0' }),
    stop: () => void log.push(`${name} stop`),
  };
  return { name, vsn: '1.0.0', mod };
}

test('application_SUITE: app_start_stop — stopping a permanent, a transient or a temporary application with application.stop never stops the node; only an exit of a permanent one does', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      await startControllerReporting(node, ctx);
      for (const type of ['permanent', 'transient', 'temporary'] as const) {
        await application.load(ctx, appOf(`s17_${type}`, log));
        await application.start(ctx, `s17_${type}`, type);
      }
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['s17_temporary', 's17_transient', 's17_permanent'], 'the last started first, as OTP');
      for (const type of ['permanent', 'transient', 'temporary'] as const) await application.stop(ctx, `s17_${type}`);
      assert.deepEqual(log, ['s17_permanent_worker down', 's17_permanent stop', 's17_transient_worker down', 's17_transient stop', 's17_temporary_worker down', 's17_temporary stop']);
      assert.deepEqual(await application.whichApplications(ctx), []);
      assert.deepEqual((await application.loadedApplications(ctx)).map((a) => a.name).sort(), ['s17_permanent', 's17_temporary', 's17_transient'], 'stopped, still loaded');
      // The controller goes on: a permanent application started again and exiting stops the node, and that is the
      // first node stop it reports, so none of the three stops above asked for one.
      await application.start(ctx, 's17_permanent', 'permanent');
      const worker = ctx.whereis('s17_permanent_worker')!;
      const sup = ctx.processInfo(worker)!.links.find((p: Pid) => p !== worker)!;
      await genServer.stop(ctx, sup, 'shutdown');
      const m = await ctx.receive(isNodeStop, 20_000);
      assert.notEqual(m, TIMEOUT, 'the node was expected to stop');
      assert.deepEqual((m as NodeStop).nodeStop, { applicationTerminated: 's17_permanent', reason: 'shutdown' });
    });
  });
});

test('application_SUITE: start with an error — a huge reason or a long application name gives a one-sentence error; the whole reason stays its cause', async () => {
  const huge = Array.from({ length: 5000 }, (_, i) => `part-${i}`);
  const longName = 'a'.repeat(20_000);
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await startControllerReporting(node, ctx);
      await application.load(ctx, { name: 's17_huge', vsn: '1', mod: { start: () => { throw huge; } } });
      await assert.rejects(application.start(ctx, 's17_huge'), (e: unknown) => {
        assert.ok(e instanceof ApplicationError);
        assert.equal(e.code, 'startFailed');
        assert.ok(e.message.length <= 600, `a ${e.message.length}-character message`);
        assert.match(e.message, /application 's17_huge' failed to start: \["part-0"/);
        assert.deepEqual(e.cause, huge, 'the whole reason is the cause');
        return true;
      });
      for (const call of [() => application.start(ctx, longName), () => application.stop(ctx, longName), () => application.unload(ctx, longName)]) {
        await assert.rejects(call(), (e: unknown) => {
          assert.ok(e instanceof ApplicationError);
          assert.ok(e.message.length <= 600, `a ${e.message.length}-character message`);
          assert.equal(e.app, longName, 'app keeps the whole name');
          return true;
        });
      }
      assert.deepEqual((await application.loadedApplications(ctx)).map((a) => a.name), ['s17_huge'], 'a failed start leaves it loaded');
    });
  });
});

test('application_SUITE: get_env — a setting set to undefined reads as none, so getEnv gives its fallback and getAllEnv leaves it out', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      application.setEnv(ctx, 's17_env', 'port', 8080);
      assert.equal(application.getEnv(ctx, 's17_env', 'port', 1), 8080);
      application.setEnv(ctx, 's17_env', 'port', undefined);
      assert.equal(application.getEnv(ctx, 's17_env', 'port', 1), 1, 'the fallback shows once the setting is undefined');
      assert.deepEqual(application.getAllEnv(ctx, 's17_env'), {});
      application.setEnv(ctx, 's17_env', 'off', false);
      assert.equal(application.getEnv(ctx, 's17_env', 'off', true), false, 'false and null are settings');
      application.setEnv(ctx, 's17_env', 'none', null);
      assert.equal(application.getEnv(ctx, 's17_env', 'none', 'x'), null);
    });
  });
});

test('application_SUITE: set_env_persistent — a persistent setting outlives unload and load and wins over the resource env and sys.config; a plain one is replaced by them', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      await startControllerReporting(node, ctx);
      const resource: AppResource = { name: 's17_persist', vsn: '1', env: { kept: 'app', plain: 'app', other: 'app' }, mod: { start: () => { throw new Error('not started'); } } };
      await application.load(ctx, resource);
      application.setEnv(ctx, 's17_persist', 'kept', 'mine', { persistent: true });
      application.setEnv(ctx, 's17_persist', 'plain', 'mine');
      assert.equal(application.getEnv(ctx, 's17_persist', 'kept'), 'mine');
      await application.unload(ctx, 's17_persist');
      assert.equal(application.getEnv(ctx, 's17_persist', 'plain'), undefined, 'unload drops a plain setting');
      await application.setConfig(ctx, { s17_persist: { kept: 'config', other: 'config' } });
      await application.load(ctx, resource);
      assert.deepEqual(application.getAllEnv(ctx, 's17_persist'), { kept: 'mine', plain: 'app', other: 'config' });
      await application.setConfig(ctx, { s17_persist: { kept: 'config again' } });
      assert.equal(application.getEnv(ctx, 's17_persist', 'kept'), 'mine', 'sys.config does not replace a persistent setting');
      application.unsetEnv(ctx, 's17_persist', 'kept');
      await application.unload(ctx, 's17_persist');
      await application.load(ctx, resource);
      assert.equal(application.getEnv(ctx, 's17_persist', 'kept'), 'mine', 'a plain unset leaves the persistent setting for the next load');
      application.unsetEnv(ctx, 's17_persist', 'kept', { persistent: true });
      await application.unload(ctx, 's17_persist');
      await application.load(ctx, resource);
      assert.equal(application.getEnv(ctx, 's17_persist', 'kept'), 'config again', 'once unset with persistent, the load sets what sys.config says');
    });
  });
});
