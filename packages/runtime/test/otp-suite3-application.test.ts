// Cases mirroring OTP's lib/kernel/test/application_SUITE.erl that earlier files do not: what a failed start
// does to the node by start type (otp_2718), and settings made before a load (set_env).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, supervisor, ApplicationError, TIMEOUT, type AppResource, type ProcessContext, type StartType } from '@otp-ts/runtime';
import { ended, quietLogs, withNode } from './helpers.ts';
import { isNodeStop, startControllerReporting, topOf, type NodeStop } from './app-fixtures.ts';

const WAIT = 20_000;

const running = (name: string, log: string[]): AppResource => ({
  name,
  vsn: '1.0.0',
  mod: { start: async (_type, _args, ctx) => supervisor.startLink(ctx, topOf(`${name}_worker`, log), undefined) },
});
// A start that exits with `reason` (OTP's trans_normal_sup / trans_abnormal_sup), after starting a linked worker.
const failing = (name: string, reason: string, log: string[]): AppResource => ({
  name,
  vsn: '1.0.0',
  mod: {
    start: async (_type, _args, ctx) => {
      log.push(String(await supervisor.startLink(ctx, topOf(`${name}_worker`, log), undefined)));
      return ctx.exit(reason);
    },
  },
});

const startFailed = (e: unknown): boolean => e instanceof ApplicationError && e.code === 'startFailed';

// otp_2718's set-up: a node whose controller reports a node stop, the application as3_bystander started (as
// `bystanderType`), and `name` loaded with a start that exits with `reason`; then `body`, and `afterRun` once the
// node's run has ended, before the node shuts down.
async function besideBystander(name: string, reason: string, bystanderType: StartType | undefined, body: (ctx: ProcessContext, log: string[]) => Promise<void>, afterRun?: (log: string[]) => void): Promise<void> {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      await startControllerReporting(node, ctx);
      await application.load(ctx, running('as3_bystander', log));
      await application.load(ctx, failing(name, reason, log));
      await application.start(ctx, 'as3_bystander', bystanderType);
      await body(ctx, log);
    });
    afterRun?.(log);
  });
}

test('application_SUITE otp_2718: a transient application whose start exits normal fails its start and nothing else; the node runs on', async () => {
  await besideBystander('as3_trans_normal', 'normal', 'permanent', async (ctx, log) => {
    await assert.rejects(application.start(ctx, 'as3_trans_normal', 'transient'), startFailed);
    // A call the controller answers after anything it did for the failure.
    assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['as3_bystander']);
    assert.equal(await ctx.receive(isNodeStop, 0), TIMEOUT);
    // The tree the failed start had started is gone (killed with everything the master led), the bystander runs.
    const top = ctx.processes().find((p) => String(p) === log[0]);
    if (top !== undefined) await ended(ctx, top);
    assert.equal(ctx.whereis('as3_trans_normal_worker'), undefined);
    assert.notEqual(ctx.whereis('as3_bystander_worker'), undefined);
  });
});

for (const type of ['transient', 'permanent'] as const) {
  test(`application_SUITE otp_2718: a ${type} application whose start fails abnormally fails its start, then stops the other applications and the node`, async () => {
    await besideBystander(
      'as3_abnormal',
      'abnormal',
      undefined,
      async (ctx) => {
        await assert.rejects(application.start(ctx, 'as3_abnormal', type), (e: unknown) => startFailed(e) && (e as ApplicationError).cause === 'abnormal');
        const m = await ctx.receive(isNodeStop, WAIT);
        assert.notEqual(m, TIMEOUT, 'the node was expected to stop');
        assert.deepEqual((m as NodeStop).nodeStop, { applicationStartFailure: 'as3_abnormal', reason: 'abnormal' });
        assert.deepEqual(await application.whichApplications(ctx), [], 'the other applications were stopped first');
      },
      (log) => assert.ok(log.includes('as3_bystander_worker down')),
    );
  });
}

test('application_SUITE otp_2718: a temporary application whose start fails abnormally only fails its start', async () => {
  await besideBystander('as3_temp', 'abnormal', undefined, async (ctx) => {
    await assert.rejects(application.start(ctx, 'as3_temp', 'temporary'), startFailed);
    assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['as3_bystander']);
    assert.equal(await ctx.receive(isNodeStop, 0), TIMEOUT);
  });
});

test('application_SUITE set_env: a setting made before the load stays, unless the resource or sys.config names it; unload drops them all', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await application.startController(ctx, {});
      assert.equal(application.getEnv(ctx, 'as3_env', 'early'), undefined, 'an application not loaded has no settings');
      application.setEnv(ctx, 'as3_env', 'early', 1);
      application.setEnv(ctx, 'as3_env', 'port', 1);
      application.setEnv(ctx, 'as3_env', 'host', 'early');
      await application.setConfig(ctx, { as3_env: { host: 'config' } });
      await application.load(ctx, { name: 'as3_env', vsn: '1.0.0', env: { port: 8080, size: 3 } });
      assert.deepEqual(application.getAllEnv(ctx, 'as3_env'), { early: 1, port: 8080, size: 3, host: 'config' });
      await application.unload(ctx, 'as3_env');
      assert.deepEqual(application.getAllEnv(ctx, 'as3_env'), {});
      await application.load(ctx, { name: 'as3_env', vsn: '1.0.0', env: { port: 8080 } });
      assert.deepEqual(application.getAllEnv(ctx, 'as3_env'), { port: 8080, host: 'config' }, 'what was set before the first load went with the unload');
    });
  });
});
