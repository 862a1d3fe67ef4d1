// OTP 26's graceful init failure (OTP-18423), after the `start` cases of lib/stdlib/test/gen_server_SUITE.erl and
// gen_statem_SUITE.erl: init returning `{error, Reason}` makes the start return `{error, Reason}` while the process
// exits `normal` with no crash report, so a linked starter that does not trap exits lives on; `{stop, Reason}` still
// exits with Reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, initError, isDown, isExit, stop, StartError, TIMEOUT, type GenServer, type GenStatem, type ProcessContext } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

const server: GenServer<null, never, never, never, 'error' | 'stop'> = {
  name: 'init_error_server',
  init: (how) => (how === 'error' ? initError('bad_config') : stop('bad_config')),
};

const machine: GenStatem<'up', null, never, never, never, void> = {
  name: 'init_error_machine',
  callbackMode: 'handleEvent',
  init: () => genStatem.initError({ missing: 'port' }),
  handleEvent: () => genStatem.keepStateAndData(),
};

// Runs `start` in a fresh process that does not trap exits: what it threw and how that process ended.
async function inStarter(ctx: ProcessContext, start: (c: ProcessContext) => Promise<unknown>): Promise<{ thrown: unknown; starterEnded: unknown }> {
  const me = ctx.self();
  const [, ref] = ctx.spawnMonitor(async (c) => {
    try {
      await start(c);
      c.send(me, ['thrown', undefined]);
    } catch (error) {
      c.send(me, ['thrown', error]);
    }
    // Waits for anything: a linked child's abnormal exit would end this process here.
    await c.receive(null, 200);
  });
  const down = await ctx.receive((m) => isDown(m, ref), WAIT);
  assert.notEqual(down, TIMEOUT);
  // What the starter sent before it ended is queued ahead of its DOWN; a starter killed by the link sent nothing.
  const thrown = await ctx.receive((m) => Array.isArray(m) && m[0] === 'thrown', 0);
  return { thrown: thrown === TIMEOUT ? TIMEOUT : (thrown as unknown[])[1], starterEnded: (down as { reason: unknown }).reason };
}

test('gen_server_SUITE start: init {error, Reason} — startLink throws StartError(Reason), the linked starter lives on, no crash is reported', async () => {
  await withNode(async (node, crashes) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const { thrown, starterEnded } = await inStarter(ctx, (c) => genServer.startLink(c, server, 'error', { name: 'graceful' }));
      assert.ok(thrown instanceof StartError);
      assert.equal(thrown.reason, 'bad_config');
      assert.equal(starterEnded, 'normal', 'a graceful init failure killed the linked starter');
      assert.equal(ctx.whereis('graceful'), undefined);
      assert.deepEqual(crashes, []);
      assert.deepEqual(logs.filter((e) => e.level === 'error'), [], 'a graceful init failure was reported as a crash');
    });
  });
});

test('gen_server_SUITE start: init {error, Reason} — the process exits normal; {stop, Reason} still exits with Reason', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const me = ctx.self();
      const exits: unknown[] = [];
      for (const how of ['error', 'stop'] as const) {
        // A watcher trapping exits, linked by init, hears how the server process ended.
        const watcher = ctx.spawn(async (w) => {
          w.trapExit(true);
          w.send(me, 'watching');
          const exit = await w.receive((m) => isExit(m));
          w.send(me, ['ended', exit.reason]);
        });
        await ctx.receive((m) => m === 'watching');
        const failing: GenServer<null, never, never, never, void> = {
          init: (_a, c) => {
            c.link(watcher);
            return how === 'error' ? initError('bad_config') : stop('bad_config');
          },
        };
        await assert.rejects(genServer.start(ctx, failing, undefined), (e: StartError) => e.reason === 'bad_config');
        const ended = await ctx.receive((m) => Array.isArray(m) && m[0] === 'ended', WAIT);
        assert.notEqual(ended, TIMEOUT);
        exits.push((ended as unknown[])[1]);
      }
      assert.deepEqual(exits, ['normal', 'bad_config']);
    });
  });
});

test('gen_statem_SUITE start: init {error, Reason} — startLink throws StartError(Reason) and the linked starter lives on; {stop, Reason} kills it', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const graceful = await inStarter(ctx, (c) => genStatem.startLink(c, machine, undefined));
      assert.ok(graceful.thrown instanceof StartError);
      assert.deepEqual(graceful.thrown.reason, { missing: 'port' });
      assert.equal(graceful.starterEnded, 'normal');
      const stopping = await inStarter(ctx, (c) => genServer.startLink(c, server, 'stop'));
      assert.equal(stopping.starterEnded, 'bad_config', '{stop, Reason} from init must still end a linked starter that does not trap exits');
    });
  });
});
