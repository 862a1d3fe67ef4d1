// Cases of OTP's lib/kernel/test/application_SUITE.erl (and the application behaviour's contract) that the other
// application test files do not walk: a start that returns an error, the order applications stop in when a
// permanent one exits, and load / unload / env corners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, supervisor, ApplicationError, TIMEOUT, type AppResource } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';
import { isNodeStop, startControllerReporting, topOf } from './app-fixtures.ts';

const WAIT = 20_000;

const running = (name: string, log: string[], deps: string[] = []): AppResource => ({
  name,
  vsn: '1.0.0',
  applications: deps,
  mod: {
    start: async (_type, _args, ctx) => ({ pid: await supervisor.startLink(ctx, topOf(`${name}_worker`), undefined), state: name }),
    prepStop: (s) => (log.push(`prepStop ${name}`), s),
    stop: () => void log.push(`stop ${name}`),
  },
});

test('application_SUITE start error: a start that returns { error } fails with startFailed naming the reason; the application stays loaded', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await application.load(ctx, { name: 'as_err', vsn: '1', mod: { start: () => ({ error: 'bad_config' }) } });
      const e = await application.start(ctx, 'as_err').then(() => undefined, (x: unknown) => x);
      assert.ok(e instanceof ApplicationError && e.code === 'startFailed', String(e));
      assert.match(e.message, /bad_config/);
      assert.doesNotMatch(e.message, /object Object/);
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), []);
      assert.ok((await application.loadedApplications(ctx)).some((a) => a.name === 'as_err'));
    });
  });
});

test('application_SUITE otp_2718: a transient application whose start returns { error: normal } (it did not exit normal) stops the node; a temporary one does not', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await startControllerReporting(node, ctx);
      await application.load(ctx, { name: 'as_tmp_err', vsn: '1', mod: { start: () => ({ error: 'normal' }) } });
      await application.load(ctx, { name: 'as_trans_err', vsn: '1', mod: { start: () => ({ error: 'normal' }) } });
      await assert.rejects(application.start(ctx, 'as_tmp_err', 'temporary'), (e: unknown) => e instanceof ApplicationError && e.code === 'startFailed');
      // A call the controller answers after anything it did for the failure.
      await application.whichApplications(ctx);
      assert.equal(await ctx.receive(isNodeStop, 0), TIMEOUT);
      await assert.rejects(application.start(ctx, 'as_trans_err', 'transient'), (e: unknown) => e instanceof ApplicationError && e.code === 'startFailed');
      assert.deepEqual(await ctx.receive(isNodeStop, WAIT), { nodeStop: { applicationStartFailure: 'as_trans_err', reason: 'normal' } });
    });
  });
});

test('application_SUITE permanent: when a permanent application exits, the others stop newest first (prepStop, then stop, each), then the node', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      await startControllerReporting(node, ctx);
      for (const n of ['as_a', 'as_b', 'as_c']) await application.load(ctx, running(n, log, n === 'as_a' ? [] : ['as_a']));
      await application.load(ctx, running('as_perm', log));
      assert.deepEqual(await application.ensureAllStarted(ctx, 'as_c'), ['as_a', 'as_c']);
      await application.start(ctx, 'as_b');
      await application.start(ctx, 'as_perm', 'permanent');
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['as_perm', 'as_b', 'as_c', 'as_a']);
      ctx.exit((await application.getSupervisor(ctx, 'as_perm'))!, 'kill');
      await ctx.receive(isNodeStop, WAIT);
      assert.deepEqual(log, ['prepStop as_perm', 'stop as_perm', 'prepStop as_b', 'stop as_b', 'prepStop as_c', 'stop as_c', 'prepStop as_a', 'stop as_a']);
    });
  });
});

test('application_SUITE load: loading twice is refused; unloading a running one is refused; an unloaded one leaves loadedApplications and its env', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const r: AppResource = { ...running('as_l', []), env: { k: 1 } };
      await application.load(ctx, r);
      await assert.rejects(application.load(ctx, r), (e: unknown) => e instanceof ApplicationError && e.code === 'alreadyLoaded');
      await application.start(ctx, 'as_l');
      await assert.rejects(application.unload(ctx, 'as_l'), (e: unknown) => e instanceof ApplicationError && e.code === 'alreadyStarted');
      await application.stop(ctx, 'as_l');
      await application.unload(ctx, 'as_l');
      assert.deepEqual((await application.loadedApplications(ctx)).map((a) => a.name).filter((n) => n === 'as_l'), []);
      assert.equal(application.getEnv(ctx, 'as_l', 'k'), undefined);
      await assert.rejects(application.unload(ctx, 'as_l'), (e: unknown) => e instanceof ApplicationError && e.code === 'notLoaded');
    });
  });
});

test('application_SUITE get_env: resource env overridden by sys.config; unsetEnv shows the fallback; setEnv adds; a reload restores the resource and sys.config values', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await application.setConfig(ctx, { as_env: { b: 'sys' } });
      const r: AppResource = { name: 'as_env', vsn: '1', env: { a: 'app', b: 'app' } };
      await application.load(ctx, r);
      assert.deepEqual(application.getAllEnv(ctx, 'as_env'), { a: 'app', b: 'sys' });
      application.unsetEnv(ctx, 'as_env', 'a');
      assert.equal(application.getEnv(ctx, 'as_env', 'a', 'fb'), 'fb');
      application.setEnv(ctx, 'as_env', 'c', 3);
      application.setEnv(ctx, 'as_env', 'b', 'run');
      assert.deepEqual(application.getAllEnv(ctx, 'as_env'), { b: 'run', c: 3 });
      await application.unload(ctx, 'as_env');
      await application.load(ctx, r);
      assert.deepEqual(application.getAllEnv(ctx, 'as_env'), { a: 'app', b: 'sys' });
    });
  });
});
