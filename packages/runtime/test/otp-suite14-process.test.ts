// Cases after erts/emulator/test/process_SUITE.erl, monitor_SUITE.erl and signal_SUITE.erl that the other process
// suites do not walk, each named after the case it follows: bad arguments to process_flag(trap_exit), monitor and
// demonitor are badarg (nothing changes), and the ordering of messages and exit signals from one sender.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, TIMEOUT, isDown, isExit, type Exit, type Ref } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const WAIT = 20_000;
const badarg = (re: RegExp) => (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg' && re.test(e.message);

test('process_SUITE process_flag_badarg: trapExit of anything but true or false is badarg and leaves the flag as it was', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      for (const bad of ['yes', 1, 0, null, undefined, {}]) {
        assert.throws(() => ctx.trapExit(bad as unknown as boolean), badarg(/trapExit needs true or false/));
      }
      // The flag is still off: a linked crash kills the process instead of queueing an Exit.
      const [pid, ref] = ctx.spawnMonitor(async (c) => {
        assert.throws(() => c.trapExit('on' as unknown as boolean));
        c.spawnLink(async (l) => l.exit('crash'));
        await c.receive();
      });
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'crash', `${pid} trapped exits after a refused trapExit`);
      assert.equal(ctx.trapExit(true), false);
      assert.equal(ctx.trapExit(false), true);
    });
  });
});

test('monitor_SUITE mon_error: monitoring something that is no pid, name or { name, node } is badarg naming it', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      for (const bad of [null, undefined, 42, {}, { name: 'x' }, { node: 'n@h' }, { name: 1, node: 'n@h' }]) {
        assert.throws(() => ctx.monitor(bad as never), badarg(/monitor needs a pid, a registered name or \{ name, node \}/));
      }
      assert.equal(ctx.processInfo(ctx.self())!.messageQueueLen, 0, 'a refused monitor queued a DOWN');
    });
  });
});

test('monitor_SUITE demon_e_1: demonitor of something that is no reference is badarg; an unknown ref answers false', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      for (const bad of ['x', 42, null, undefined, ctx.self()]) {
        assert.throws(() => ctx.demonitor(bad as unknown as Ref), badarg(/demonitor needs the ref monitor returned/));
      }
      assert.equal(ctx.demonitor(ctx.makeRef()), false);
    });
  });
});

test('signal_SUITE: a message, an exit signal and a message from one sender reach a trapping process in the order sent', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const receiver = ctx.spawn(async (c) => {
        c.trapExit(true);
        c.send(me, 'ready');
        await c.receive((m) => m === 'go');
        c.send(me, [await c.receive(), await c.receive(), await c.receive()]);
      });
      await ctx.receive((m) => m === 'ready');
      ctx.send(receiver, 'go');
      ctx.send(receiver, 'm1');
      ctx.exit(receiver, 'foo');
      ctx.send(receiver, 'm2');
      const got = await ctx.receive((m) => Array.isArray(m), WAIT);
      assert.notEqual(got, TIMEOUT);
      const [first, second, third] = got as unknown[];
      assert.equal(first, 'm1');
      assert.ok(isExit(second));
      assert.equal((second as Exit).reason, 'foo');
      assert.equal(third, 'm2');
    });
  });
});

test('process_SUITE t_exit_2_other / exit_self_kill: exit(self(), kill) kills even a trapping process, with killed; exiting with kill itself sends kill to its links', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      ctx.spawnLink(async (c) => {
        c.trapExit(true);
        c.exit(c.self(), 'kill');
        await c.receive();
      });
      const killed = await ctx.receive((m) => isExit(m), WAIT);
      assert.equal((killed as Exit).reason, 'killed');
      ctx.spawnLink(async (c) => c.exit('kill'));
      const kill = await ctx.receive((m) => isExit(m), WAIT);
      assert.equal((kill as Exit).reason, 'kill');
    });
  });
});
