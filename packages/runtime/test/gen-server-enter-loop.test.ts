// gen_server enterLoop and hibernate, with cases mirroring OTP's gen_server_SUITE (spec_init_*, hibernate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, ok, reply, noreply, isDown, TIMEOUT, type Down, type GenServer } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 30_000;

type Req = 'get' | 'bump' | 'sleep' | 'wake';
const events: string[] = [];
const counter: GenServer<number, Req, never, number | string> = {
  name: 'enter_loop_counter',
  init: () => ok(0),
  handleCall(req, _from, n) {
    if (req === 'bump') return reply(n + 1, n + 1);
    if (req === 'sleep') return reply('sleeping', n, 'hibernate');
    return reply(n, n);
  },
  handleInfo(msg, n) {
    events.push(`info ${String(msg)}`);
    return noreply(n);
  },
  terminate(reason, n) {
    events.push(`terminate ${String(reason)} ${n}`);
  },
};

test('gen_server_SUITE spec_init_local: a registered process enters the loop with its name and serves calls by that name', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      // Registered before it runs, as a process that proc_lib started under a name.
      const pid = ctx.spawn((c) => genServer.enterLoop(c, counter, 41, { name: 'enter_loop_local' }), { name: 'enter_loop_local' });
      assert.equal(await genServer.call(ctx, 'enter_loop_local', 'bump'), 42);
      assert.equal(ctx.processInfo(pid)!.behaviour, 'gen_server');
      assert.equal(ctx.processInfo(pid)!.module, 'enter_loop_counter');
      await genServer.stop(ctx, 'enter_loop_local');
      assert.equal(ctx.isAlive(pid), false);
    });
  });
});

test('gen_server_SUITE spec_init_local (not registered): enterLoop with a name the process does not hold exits with process_not_registered', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [pid, mref] = ctx.spawnMonitor(async (c) => {
        await genServer.enterLoop(c, counter, 0, { name: 'enter_loop_nobody' });
      });
      const down = (await ctx.receive((m) => isDown(m, mref), WAIT)) as Down;
      assert.notEqual(down, TIMEOUT);
      assert.equal(down.reason, 'process_not_registered');
      assert.equal(ctx.isAlive(pid), false);
      // Registered under another name is no better.
      const [, mref2] = ctx.spawnMonitor(async (c) => {
        c.register('enter_loop_other');
        await genServer.enterLoop(c, counter, 0, { name: 'enter_loop_wanted' });
      });
      assert.equal(((await ctx.receive((m) => isDown(m, mref2), WAIT)) as Down).reason, 'process_not_registered');
    });
  });
});

test('gen_server_SUITE spec_init_anonymous: an unnamed process enters the loop; a timeout action arrives as info timeout', async () => {
  await withNode(async (node) => {
    events.length = 0;
    await node.run(async (ctx) => {
      const pid = ctx.spawn((c) => genServer.enterLoop(c, counter, 7, { action: 0 }));
      // Nothing arrives in time: the zero timeout fires.
      const deadline = Date.now() + WAIT;
      while (events.length === 0 && Date.now() < deadline) await ctx.sleep(1);
      assert.equal(await genServer.call(ctx, pid, 'get'), 7);
      assert.deepEqual(events, ['info timeout']);
    });
  });
});

test('gen_server_SUITE spec_init (parent): with a parent and exits trapped, the parent exit runs terminate as a supervisor shutdown does', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    events.length = 0;
    await node.run(async (ctx) => {
      const me = ctx.self();
      let server: ReturnType<typeof ctx.self> | undefined;
      const parent = ctx.spawn(async (p) => {
        server = p.spawnLink(async (c) => {
          c.trapExit(true);
          await genServer.enterLoop(c, counter, 5, { parent: p.self() });
        });
        p.send(me, 'started');
        await p.receive();
      });
      await ctx.receive((m) => m === 'started', WAIT);
      assert.equal(await genServer.call(ctx, server!, 'bump'), 6);
      const mref = ctx.monitor(server!);
      ctx.exit(parent, 'shutdown');
      const down = (await ctx.receive((m) => isDown(m, mref), WAIT)) as Down;
      assert.equal(down.reason, 'shutdown');
      assert.deepEqual(events, ['terminate shutdown 6']);
    });
  });
});

test('gen_server_SUITE hibernate: a server that hibernates shows erlang.hibernate while waiting, keeps its state and answers when woken', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, counter, undefined);
      assert.equal(await genServer.call(ctx, pid, 'bump'), 1);
      assert.equal(ctx.processInfo(pid)!.currentFunction, 'gen_server.loop');
      assert.equal(await genServer.call(ctx, pid, 'sleep'), 'sleeping');
      // The reply is sent before the server goes back to wait: poll until it is hibernating.
      const deadline = Date.now() + WAIT;
      while (ctx.processInfo(pid)!.currentFunction !== 'erlang.hibernate' && Date.now() < deadline) await ctx.sleep(1);
      assert.equal(ctx.processInfo(pid)!.currentFunction, 'erlang.hibernate');
      assert.equal(await genServer.call(ctx, pid, 'bump'), 2, 'woken with its state');
      assert.equal(ctx.processInfo(pid)!.currentFunction, 'gen_server.loop');
      // Hibernating from init (OTP's {ok, State, hibernate}) works the same.
      const sleeper = await genServer.start(ctx, { ...counter, init: () => ok(10, 'hibernate') }, undefined);
      while (ctx.processInfo(sleeper)!.currentFunction !== 'erlang.hibernate' && Date.now() < deadline) await ctx.sleep(1);
      assert.equal(ctx.processInfo(sleeper)!.currentFunction, 'erlang.hibernate');
      assert.equal(await genServer.call(ctx, sleeper, 'get'), 10);
    });
  });
});

test('gen_server_SUITE hibernate (hibernate_after): a server started with hibernateAfter hibernates once idle, and again after each wake', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const deadline = Date.now() + WAIT;
      const hibernated = async (pid: ReturnType<typeof ctx.self>): Promise<boolean> => {
        while (ctx.processInfo(pid)!.currentFunction !== 'erlang.hibernate' && Date.now() < deadline) await ctx.sleep(5);
        return ctx.processInfo(pid)!.currentFunction === 'erlang.hibernate';
      };
      const pid = await genServer.start(ctx, counter, undefined, { hibernateAfter: 20 });
      assert.ok(await hibernated(pid), 'idle after init: hibernated');
      assert.equal(await genServer.call(ctx, pid, 'bump'), 1, 'woken with its state');
      assert.ok(await hibernated(pid), 'idle again: hibernated again');
      assert.equal(await genServer.call(ctx, pid, 'bump'), 2);
      const linked = await genServer.startLink(ctx, counter, undefined, { hibernateAfter: 0 });
      assert.ok(await hibernated(linked), 'hibernateAfter 0 hibernates at the first wait');
      await assert.rejects(genServer.start(ctx, counter, undefined, { hibernateAfter: -1 }), /hibernateAfter must be a whole number/);
    });
  });
});
