// Adversarial cases for the application controller, mirroring what OTP's application_controller does while
// an application starts: it keeps serving requests (its start runs in the application master), so a start
// that starts its own dependencies, a which_applications asked meanwhile and a second start all get answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, ApplicationError, Pid, supervisor, TIMEOUT, type ApplicationModule, type ProcessContext, type Supervisor } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 30_000;

const emptySup: Supervisor = { init: () => ({ flags: { strategy: 'oneForOne' }, children: [] }) };
const plain: ApplicationModule = { start: (_type, _args, ctx) => supervisor.startLink(ctx, emptySup, undefined) };

// Runs `body` in a process of its own and resolves with what it returns, or with 'no answer' after WAIT.
async function inOwnProcess<T>(ctx: ProcessContext, body: (c: ProcessContext) => Promise<T>): Promise<T | 'no answer'> {
  const me = ctx.self();
  const tag = ctx.makeRef();
  ctx.spawn(async (c) => {
    let result: unknown;
    try {
      result = { value: await body(c) };
    } catch (error) {
      result = { error };
    }
    c.send(me, [tag, result]);
  });
  const got = await ctx.receive((m): m is [unknown, { value?: T; error?: unknown }] => Array.isArray(m) && m[0] === tag, WAIT);
  if (got === TIMEOUT) return 'no answer';
  if ('error' in got[1]) throw got[1].error;
  return got[1].value as T;
}

test('application_SUITE: an application whose start/2 starts its dependencies (ensure_all_started inside start) starts, as the controller is not blocked by a start', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await application.load(ctx, { name: 'advapp_dep', vsn: '1', mod: plain });
      await application.load(ctx, {
        name: 'advapp_outer',
        vsn: '1',
        mod: {
          start: async (_type, _args, c) => {
            await application.ensureAllStarted(c, 'advapp_dep');
            return supervisor.startLink(c, emptySup, undefined);
          },
        },
      });
      assert.equal(await inOwnProcess(ctx, (c) => application.start(c, 'advapp_outer')), undefined);
      assert.deepEqual(
        (await application.whichApplications(ctx)).map((a) => a.name),
        ['advapp_outer', 'advapp_dep'],
      );
    });
  });
});

test('application_SUITE: start_phases — while a start phase runs, which_applications answers (without the starting app), a stop is refused as not started, a second start waits for the first', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const me = ctx.self();
      await application.load(ctx, {
        name: 'advapp_phased',
        vsn: '1',
        startPhases: [{ phase: 'warm', args: null }],
        mod: {
          ...plain,
          startPhase: async (_phase, _type, _args, c) => {
            c.send(me, ['in phase', c.self()]);
            // Waits until the test lets it go on.
            await c.receive((m) => m === 'go on');
          },
        },
      });
      const first = ctx.spawn(async (c) => c.send(me, ['first', await application.start(c, 'advapp_phased').then(() => 'started', (e: Error) => e.message)]));
      const phase = await ctx.receive((m): m is [string, Pid] => Array.isArray(m) && m[0] === 'in phase', WAIT);
      assert.notEqual(phase, TIMEOUT);
      assert.deepEqual(await inOwnProcess(ctx, async (c) => (await application.whichApplications(c)).map((a) => a.name)), []);
      await assert.rejects(
        inOwnProcess(ctx, (c) => application.stop(c, 'advapp_phased')),
        (e: unknown) => e instanceof ApplicationError && e.code === 'notStarted' && /still starting/.test(e.message),
      );
      const second = ctx.spawn(async (c) => c.send(me, ['second', await application.start(c, 'advapp_phased').then(() => 'started', (e: Error) => e.message)]));
      const master = (phase as [string, Pid])[1];
      assert.equal(application.getApplication(ctx, master), 'advapp_phased', 'the phase runs in a process of the application');
      assert.equal(application.getApplication(ctx, first), undefined, 'the caller of start is no process of the application');
      ctx.send(master, 'go on');
      const answers = [await ctx.receive((m) => Array.isArray(m) && m[0] === 'first', WAIT), await ctx.receive((m) => Array.isArray(m) && m[0] === 'second', WAIT)];
      assert.deepEqual(answers, [
        ['first', 'started'],
        ['second', 'started'],
      ]);
      assert.ok(second instanceof Pid);
      await application.stop(ctx, 'advapp_phased');
      assert.deepEqual(await application.whichApplications(ctx), []);
    });
  });
});

test('application_SUITE: a master killed during the start fails the start with the kill reason, and the application can be started again', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const me = ctx.self();
      let hang = true;
      await application.load(ctx, {
        name: 'advapp_killed',
        vsn: '1',
        mod: {
          start: async (_type, _args, c) => {
            if (hang) {
              c.send(me, ['master', c.self()]);
              await c.receive(() => false);
            }
            return supervisor.startLink(c, emptySup, undefined);
          },
        },
      });
      const caller = ctx.spawn(async (c) => c.send(me, ['result', await application.start(c, 'advapp_killed').then(() => 'started', (e: ApplicationError) => e.code)]));
      const master = (await ctx.receive((m) => Array.isArray(m) && m[0] === 'master', WAIT)) as [string, Pid];
      ctx.exit(master[1], 'kill');
      assert.deepEqual(await ctx.receive((m) => Array.isArray(m) && m[0] === 'result', WAIT), ['result', 'startFailed']);
      assert.ok(caller instanceof Pid);
      hang = false;
      await application.start(ctx, 'advapp_killed');
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['advapp_killed']);
    });
  });
});
