// OTP's {hibernate_after, Ms} beyond the starts of gen_server and gen_statem: gen_event managers and both enterLoops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, genServer, genStatem, isDown, ok, reply, sys, TIMEOUT, type Down, type GenEventHandler, type GenServer, type GenStatem, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const WAIT = 30_000;

// Polls until `pid` shows erlang.hibernate as its current function, or the deadline passes; says which.
async function hibernated(ctx: ProcessContext, pid: Pid): Promise<boolean> {
  const deadline = Date.now() + WAIT;
  while (ctx.processInfo(pid)?.currentFunction !== 'erlang.hibernate' && Date.now() < deadline) await ctx.sleep(5);
  return ctx.processInfo(pid)?.currentFunction === 'erlang.hibernate';
}

const tally: GenEventHandler<number, 'tick', 'count', number, number, void> = {
  name: 'tally_h',
  init: (n) => genEvent.ok(n),
  handleEvent: (_e, n) => genEvent.ok(n + 1),
  handleCall: (_req, n) => genEvent.reply(n, n),
};

test('gen_event hibernate_after: a manager started with hibernateAfter hibernates once idle, keeps its handlers, and again after each wake', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const mgr = await genEvent.start<'tick'>(ctx, { hibernateAfter: 20 });
      await genEvent.addHandler(ctx, mgr, tally, 0);
      assert.ok(await hibernated(ctx, mgr), 'idle after addHandler: hibernated');
      await genEvent.syncNotify(ctx, mgr, 'tick');
      assert.equal(await genEvent.call(ctx, mgr, tally, 'count'), 1, 'woken with its handler state');
      assert.ok(await hibernated(ctx, mgr), 'idle again: hibernated again');
      // A sys request leaves a hibernated manager hibernated, as OTP's.
      await sys.getState(ctx, mgr);
      assert.ok(await hibernated(ctx, mgr), 'after a sys request: still hibernated');
      const linked = await genEvent.startLink(ctx, { hibernateAfter: 0 });
      assert.ok(await hibernated(ctx, linked), 'hibernateAfter 0 hibernates at the first wait');
      await assert.rejects(genEvent.start(ctx, { hibernateAfter: -1 }), /hibernateAfter must be a whole number/);
    });
  });
});

const counter: GenServer<number, 'bump', never, number> = {
  name: 'enter_loop_idle_counter',
  init: () => ok(0),
  handleCall: (_req, _from, n) => reply(n + 1, n + 1),
};

test('gen_server_SUITE spec_init (hibernate_after): enterLoop with hibernateAfter hibernates once idle, and again after each call', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = ctx.spawn((c) => genServer.enterLoop(c, counter, 10, { hibernateAfter: 20 }));
      assert.ok(await hibernated(ctx, pid), 'idle after entering: hibernated');
      assert.equal(await genServer.call(ctx, pid, 'bump'), 11, 'woken with its state');
      assert.ok(await hibernated(ctx, pid), 'idle again: hibernated again');
      assert.equal(await genServer.call(ctx, pid, 'bump'), 12);
      const [bad, mref] = ctx.spawnMonitor((c) => genServer.enterLoop(c, counter, 0, { hibernateAfter: -1 }));
      const down = (await ctx.receive((m) => isDown(m, mref), WAIT)) as Down;
      assert.notEqual(down, TIMEOUT);
      assert.match(String((down.reason as Error).message), /hibernateAfter must be a whole number.*got -1; the process did not enter the loop/);
      assert.equal(ctx.isAlive(bad), false);
    });
  });
});

const machine: GenStatem<string, number, 'bump', never, number, void> = {
  name: 'enter_loop_idle_statem',
  callbackMode: 'handleEvent',
  init: () => genStatem.ok('on', 0),
  handleEvent: (e, _state, n) => (e.type === 'call' ? genStatem.keepState(n + 1, [{ reply: [e.from, n + 1] }]) : genStatem.keepStateAndData()),
};

test('gen_statem_SUITE enter_loop (hibernate_after): enterLoop with hibernateAfter hibernates once idle, and again after each event', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = ctx.spawn((c) => genStatem.enterLoop(c, machine, 'on', 5, [], { hibernateAfter: 20 }));
      assert.ok(await hibernated(ctx, pid), 'idle after entering: hibernated');
      assert.equal(await genStatem.call(ctx, pid, 'bump'), 6, 'woken with its data');
      assert.ok(await hibernated(ctx, pid), 'idle again: hibernated again');
      const [, mref] = ctx.spawnMonitor((c) => genStatem.enterLoop(c, machine, 'on', 0, [], { hibernateAfter: 1.5 }));
      const down = (await ctx.receive((m) => isDown(m, mref), WAIT)) as Down;
      assert.notEqual(down, TIMEOUT);
      assert.match(String((down.reason as Error).message), /hibernateAfter must be a whole number.*got 1\.5; the process did not enter the loop/);
    });
  });
});
