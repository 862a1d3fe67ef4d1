// The spawn option maxMailbox, the analogue of OTP's max_heap_size (erts process_SUITE's max_heap_size cases):
// a process whose mailbox outgrows its limit is killed with reason killed and an error report is logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, ok, reply, isDown, isExit, RuntimeError, TIMEOUT, type CallError, type Exit, type GenServer } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 30_000;

test('process_SUITE max_heap_size (kill): a process over its maxMailbox is killed with reason killed and an error report names it', async () => {
  await withNode(async (node) => {
    const events = quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      // A process that never receives: its mailbox only grows.
      const pid = ctx.spawnLink(() => new Promise(() => {}), { maxMailbox: 3 });
      for (let i = 1; i <= 3; i++) ctx.send(pid, i);
      assert.equal(ctx.isAlive(pid), true, 'three waiting messages are within the limit');
      ctx.send(pid, 4);
      const exit = (await ctx.receive((m) => isExit(m) && m.from === pid, WAIT)) as Exit;
      assert.notEqual(exit, TIMEOUT);
      assert.equal(exit.reason, 'killed');
      assert.equal(ctx.isAlive(pid), false);
    });
    const report = events.find((e) => typeof e.message === 'object' && e.message.kind === 'maxMailbox');
    assert.ok(report, 'an error report is logged');
    assert.equal(report.level, 'error');
    assert.equal((report.message as { size?: number }).size, 3);
    assert.equal((report.message as { queued?: number }).queued, 4);
  });
});

test('process_SUITE max_heap_size (kill false): without kill the overflow is only reported, once, and the process lives on', async () => {
  await withNode(async (node) => {
    const events = quietLogs(node);
    await node.run(async (ctx) => {
      const pid = ctx.spawn(() => new Promise(() => {}), { maxMailbox: { size: 2, kill: false } });
      for (let i = 1; i <= 10; i++) ctx.send(pid, i);
      assert.equal(ctx.isAlive(pid), true);
      assert.equal(ctx.processInfo(pid)!.messageQueueLen, 10);
      ctx.exit(pid, 'kill');
    });
    assert.equal(events.filter((e) => typeof e.message === 'object' && e.message.kind === 'maxMailbox').length, 1);
  });
});

test('maxMailbox counts waiting messages only: a process that keeps up with its messages is never killed', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const pid = ctx.spawn(
        async (c) => {
          c.send(me, 'ready');
          for (let n = 0; n < 1000; n++) c.send(me, ['ack', await c.receive()]);
        },
        { maxMailbox: 1 },
      );
      await ctx.receive((m) => m === 'ready', WAIT);
      // Two messages in flight at a time: one handed over or waiting, the other waiting at most alone.
      ctx.send(pid, 0);
      for (let i = 1; i < 1000; i++) {
        ctx.send(pid, i);
        assert.notEqual(await ctx.receive(null, WAIT), TIMEOUT);
      }
      assert.notEqual(await ctx.receive(null, WAIT), TIMEOUT);
      const mref = ctx.monitor(pid);
      const down = await ctx.receive(null, WAIT);
      assert.equal(isDown(down, mref) ? down.reason : down, 'normal', 'the process ended its loop normally, never killed');
    });
  });
});

test('maxMailbox: 0 means no limit and anything but a whole number or { size } is a badarg naming the option', async () => {
  await withNode(async (node) => {
    const pid = node.spawn(() => new Promise(() => {}), { maxMailbox: 0 });
    for (let i = 0; i < 100; i++) node.send(pid, i);
    assert.equal(node.isAlive(pid), true);
    assert.throws(() => node.spawn(() => undefined, { maxMailbox: -1 }), (e: RuntimeError) => e instanceof RuntimeError && e.code === 'badarg' && /maxMailbox/.test(e.message));
    assert.throws(() => node.spawn(() => undefined, { maxMailbox: { size: 1.5 } }), /maxMailbox/);
  });
});

test('gen_server start option spawnOpt.maxMailbox: a server stuck in a callback while requests pile up is killed, its callers get killed', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const stuck: GenServer<null, 'get', 'block', string> = {
        init: () => ok(null),
        handleCall: () => reply('ok', null),
        handleCast: () => new Promise<never>(() => {}),
      };
      const pid = await genServer.start(ctx, stuck, undefined, { spawnOpt: { maxMailbox: 5 } });
      genServer.cast(ctx, pid, 'block');
      const pending = genServer.call(ctx, pid, 'get', Infinity);
      for (let i = 0; i < 5; i++) genServer.cast(ctx, pid, 'block');
      await assert.rejects(pending, (e: CallError) => e.failure === 'killed');
      assert.equal(ctx.isAlive(pid), false);
    });
  });
});
