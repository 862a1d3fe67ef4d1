// Cases mirroring OTP's lib/stdlib/test/gen_event_SUITE.erl not covered before, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, sys, type GenEventHandler, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const WAIT = 20_000;

/** OTP's dummy_h, as its hibernate case uses it: 'hibernate' asks the manager to hibernate, 'wakeup' does not. */
const sleepy: GenEventHandler<string, string, string, string, boolean, void> = {
  name: 'dummy_h',
  init: (hibernate) => genEvent.ok('s', hibernate ? 'hibernate' : undefined),
  handleEvent: (event, s) => genEvent.ok(s, event === 'hibernate' ? 'hibernate' : undefined),
  handleCall: (req, s) => (req === 'hibernate' ? genEvent.reply('true', s, 'hibernate') : genEvent.reply('false', s)),
  handleInfo: (msg, s) => genEvent.ok(s, msg === 'sleep' ? 'hibernate' : undefined),
};

async function until(ctx: ProcessContext, pid: Pid, what: string): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (ctx.processInfo(pid)?.currentFunction !== what && Date.now() < deadline) await ctx.sleep(1);
  assert.equal(ctx.processInfo(pid)?.currentFunction, what);
}

test('gen_event_SUITE: hibernate — a handler result with hibernate (init, event, call, info) hibernates the manager until the next message; sys requests leave it hibernated', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, sleepy, false);
      assert.equal(await genEvent.call(ctx, mgr, sleepy, 'hibernate'), 'true');
      await until(ctx, mgr, 'erlang.hibernate');
      ctx.send(mgr, 'wake');
      await until(ctx, mgr, 'gen_event.loop');
      genEvent.notify(ctx, mgr, 'hibernate');
      await until(ctx, mgr, 'erlang.hibernate');
      genEvent.notify(ctx, mgr, 'wakeup');
      await until(ctx, mgr, 'gen_event.loop');
      await genEvent.syncNotify(ctx, mgr, 'hibernate');
      await until(ctx, mgr, 'erlang.hibernate');
      ctx.send(mgr, 'sleep');
      await until(ctx, mgr, 'erlang.hibernate');
      await sys.suspend(ctx, mgr);
      await sys.resume(ctx, mgr);
      await until(ctx, mgr, 'erlang.hibernate');
      assert.equal(await genEvent.call(ctx, mgr, sleepy, 'x'), 'false');
      await until(ctx, mgr, 'gen_event.loop');
      await genEvent.stop(ctx, mgr);
      const second = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, second, sleepy, true);
      await until(ctx, second, 'erlang.hibernate');
      await genEvent.stop(ctx, second);
    });
  });
});

test('gen_event_SUITE: swap_handler — when the old handler\'s terminate throws, the new init is told what it threw (OTP passes {\'EXIT\', Reason}), by swapHandler and by a callback\'s swap', async () => {
  await withNode(async (node) => {
    const seen: unknown[] = [];
    type Swapped = { args: unknown; previous: unknown; found: boolean; exit?: unknown };
    const thrower: GenEventHandler<string, string, string, string, unknown, unknown> = {
      name: 'thrower_h',
      init: (args) => {
        if (typeof args === 'object' && args !== null && 'found' in args) {
          const a = args as Swapped;
          seen.push({ previous: a.previous, found: a.found, threw: 'exit' in a, exit: a.exit });
        }
        return genEvent.ok('s');
      },
      handleEvent: (event, s) => (event === 'swap' ? genEvent.swap('boom', s, { handler: thrower, id: 3 }, 'next') : genEvent.ok(s)),
      handleCall: (req, s) => genEvent.reply(req, s),
      terminate: (arg) => {
        if (arg === 'boom') throw new Error('terminate failed');
        return 'final';
      },
    };
    await node.run(async (ctx) => {
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, { handler: thrower, id: 1 }, 'first');
      await genEvent.swapHandler(ctx, mgr, [{ handler: thrower, id: 1 }, 'boom'], [{ handler: thrower, id: 2 }, 'next']);
      await genEvent.syncNotify(ctx, mgr, 'swap');
      await genEvent.swapHandler(ctx, mgr, [{ handler: thrower, id: 3 }, 'fine'], [{ handler: thrower, id: 4 }, 'next']);
      assert.deepEqual((await genEvent.whichHandlers(ctx, mgr)).map((x) => (x as { id: number }).id), [4]);
    });
    assert.equal(seen.length, 3);
    for (const s of seen.slice(0, 2)) {
      const r = s as { previous: unknown; found: boolean; threw: boolean; exit: unknown };
      assert.equal(r.previous, undefined);
      assert.equal(r.found, true);
      assert.equal(r.threw, true);
      assert.ok(r.exit instanceof Error && r.exit.message === 'terminate failed', `the thrown error, got ${String(r.exit)}`);
    }
    assert.deepEqual(seen[2], { previous: 'final', found: true, threw: false, exit: undefined }, 'a terminate that returned gives no exit');
  });
});
