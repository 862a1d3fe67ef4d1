// Cases mirroring OTP's erts/emulator/test/process_SUITE.erl and register tests, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, type Pid, type Ref } from '@otp-ts/runtime';
import { ended, idle, withNode } from './helpers.ts';

const badarg = (what: string) => (e: unknown): boolean => {
  assert.ok(e instanceof RuntimeError, `${what}: a RuntimeError, got ${String(e)}`);
  assert.equal(e.code, 'badarg', what);
  assert.ok(e.message.length <= 400, `${what}: a ${e.message.length}-character message is no one sentence`);
  return true;
};

test('process_SUITE bad_register: a dead pid, a taken name, a second name, an unregistered name and a bad argument are badarg, each in one short sentence even for a huge name or value', async () => {
  const longName = 'r'.repeat(20_000);
  const huge = Array.from({ length: 5000 }, (_, i) => `v${i}`);
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const dead = ctx.spawn(async () => undefined);
      await ended(ctx, dead);
      assert.throws(() => ctx.register(longName, dead), badarg('register a dead pid'));
      const p = ctx.spawn(idle);
      ctx.register(longName, p);
      assert.throws(() => ctx.register(longName, ctx.self()), badarg('register a taken name'));
      assert.throws(() => ctx.register(`${longName}2`, p), badarg('register a second name'));
      assert.equal(ctx.whereis(longName)?.toString(), p.toString());
      ctx.unregister(longName);
      assert.throws(() => ctx.send(longName, 'hello'), badarg('send to a name no longer registered'));
      assert.throws(() => ctx.unregister(longName), badarg('unregister twice'));
      assert.throws(() => ctx.register(huge as unknown as string), badarg('a name that is no string'));
      assert.throws(() => ctx.send(huge as unknown as Pid, 'hello'), badarg('send to no pid or name'));
      assert.throws(() => ctx.trapExit(huge as unknown as boolean), badarg('trapExit of no boolean'));
      assert.throws(() => ctx.demonitor(huge as unknown as Ref), badarg('demonitor of no ref'));
      assert.throws(() => ctx.link(huge as unknown as Pid), badarg('link to no pid'));
      assert.throws(() => ctx.monitor(huge as unknown as Pid), badarg('monitor of no pid'));
      assert.equal(ctx.processInfo(ctx.self())?.trapExit, false, 'the refused trapExit left the flag');
      ctx.exit(p, 'kill');
    });
  });
});

test('process_SUITE t_process_info: a process spawned and not yet started is runnable, one in a receive is waiting, the caller itself is running', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      assert.equal(ctx.processInfo(ctx.self())?.status, 'running');
      const p = ctx.spawn(idle);
      assert.equal(ctx.processInfo(p)?.status, 'runnable', 'spawned, its body not run yet');
      // Siblings spawned in one batch: the first to start sees the second still runnable.
      const seen: unknown[] = [];
      ctx.spawn(async (c) => void seen.push(c.processInfo(second)?.status));
      const second = ctx.spawn(idle);
      const deadline = Date.now() + 5000;
      while (seen.length === 0 && Date.now() < deadline) await ctx.sleep(1);
      assert.deepEqual(seen, ['runnable']);
      while (ctx.processInfo(p)?.status !== 'waiting' && Date.now() < deadline) await ctx.sleep(1);
      assert.equal(ctx.processInfo(p)?.status, 'waiting', 'in its receive');
    });
  });
});
