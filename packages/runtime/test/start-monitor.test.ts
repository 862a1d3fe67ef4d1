// OTP 23's start_monitor (gen_server, gen_statem, gen_event): the caller gets the pid and a monitor set before init
// ran, so a process that dies right after its init is a DOWN with that ref, never missed; a failed start throws as
// start does and leaves no DOWN of the child in the caller's mailbox (gen's monitor_return consumes it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, genServer, genStatem, ignore, isDown, noreply, ok, stop, StartError, TIMEOUT, type GenServer, type GenStatem, type ProcessContext } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

// A server whose init succeeds and which stops on the continue that follows it, before any message.
const diesAfterInit: GenServer<null, never, never, never, string> = {
  name: 'dies_after_init',
  init: (reason) => ok(null, { continue: reason }),
  handleContinue: (reason) => stop(reason as string, null),
};

const refusing: GenServer<null, never, never, never, 'ignore' | 'stop' | 'throw' | 'hang'> = {
  name: 'refusing',
  init: async (how, ctx) => {
    if (how === 'ignore') return ignore();
    if (how === 'stop') return stop('init_said_no');
    if (how === 'hang') await ctx.receive((m) => m === 'never');
    throw new Error('init blew up');
  },
};

const nothingWaiting = (ctx: ProcessContext): number => ctx.processInfo(ctx.self())!.messageQueueLen;

test('gen_server:start_monitor: resolves to the pid and a live monitor; a server that dies right after init is a DOWN with that ref', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const [pid, ref] = await genServer.startMonitor(ctx, diesAfterInit, 'right_after_init');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.notEqual(down, TIMEOUT, 'the DOWN of a server that died right after init was missed');
      assert.equal((down as { pid: unknown }).pid, pid);
      assert.equal((down as { reason: unknown }).reason, 'right_after_init');
    });
  });
});

test('gen_server:start_monitor: the monitor stays on a running server and is the caller\'s to demonitor; the server is not linked', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const server: GenServer<number, never, never, never, void> = { init: () => ok(0), handleInfo: (_m, s) => noreply(s) };
      const [pid, ref] = await genServer.startMonitor(ctx, server, undefined, { name: 'monitored' });
      assert.equal(ctx.whereis('monitored'), pid);
      assert.deepEqual(ctx.processInfo(ctx.self())!.links, []);
      ctx.exit(pid, 'kill');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'killed');
    });
  });
});

test('gen_server:start_monitor: a failed init (ignore, stop, throw, timeout) throws StartError and leaves no DOWN behind', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await assert.rejects(genServer.startMonitor(ctx, refusing, 'ignore'), (e: StartError) => e.reason === 'ignore');
      assert.equal(nothingWaiting(ctx), 0);
      await assert.rejects(genServer.startMonitor(ctx, refusing, 'stop'), (e: StartError) => e.reason === 'init_said_no');
      assert.equal(nothingWaiting(ctx), 0);
      await assert.rejects(genServer.startMonitor(ctx, refusing, 'throw'), (e: StartError) => e instanceof StartError && /init blew up/.test(e.message));
      assert.equal(nothingWaiting(ctx), 0);
      await assert.rejects(genServer.startMonitor(ctx, refusing, 'hang', { timeout: 10, name: 'hanging' }), (e: StartError) => e.reason === 'timeout');
      assert.equal(nothingWaiting(ctx), 0);
      assert.equal(ctx.whereis('hanging'), undefined, 'a timed-out start leaves its process (and its name) behind');
    });
  });
});

test('gen_server:start_monitor: a taken name throws alreadyStarted and spawns nothing', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.register('taken', ctx.self());
      const before = node.processes().length;
      await assert.rejects(genServer.startMonitor(ctx, diesAfterInit, 'x', { name: 'taken' }), (e: StartError) => e.reason === 'alreadyStarted' && e.pid === ctx.self());
      assert.equal(node.processes().length, before);
      assert.equal(nothingWaiting(ctx), 0);
    });
  });
});

type Machine = GenStatem<'up', null, never, never, never, string>;

test('gen_statem:start_monitor: a machine that stops on its first internal event is a DOWN with the returned ref; a failed init leaves no DOWN', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const machine: Machine = {
        callbackMode: 'handleEvent',
        init: (reason) => (reason === 'refuse' ? { type: 'stop', reason: 'no_machine', hasData: false } : genStatem.ok('up', null, [genStatem.nextEvent(reason)])),
        handleEvent: (e) => genStatem.stopAndReply((e as { content: string }).content, []),
      };
      const [pid, ref] = await genStatem.startMonitor(ctx, machine, 'first_event');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.notEqual(down, TIMEOUT);
      assert.equal((down as { pid: unknown }).pid, pid);
      assert.equal((down as { reason: unknown }).reason, 'first_event');
      await assert.rejects(genStatem.startMonitor(ctx, machine, 'refuse'), (e: StartError) => e.reason === 'no_machine');
      assert.equal(nothingWaiting(ctx), 0);
    });
  });
});

test('gen_event:start_monitor: the manager is monitored, not linked, and its stop is a DOWN with the returned ref', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [pid, ref] = await genEvent.startMonitor(ctx, { name: 'events' });
      assert.equal(ctx.whereis('events'), pid);
      assert.deepEqual(ctx.processInfo(ctx.self())!.links, []);
      await genEvent.stop(ctx, pid);
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'normal');
    });
  });
});

test('start_monitor refuses a callback module that is none, naming the start, before anything is spawned', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const before = node.processes().length;
      await assert.rejects(genServer.startMonitor(ctx, {} as GenServer<null, never, never, never, void>, undefined), /genServer\.startMonitor needs a callback module/);
      await assert.rejects(genStatem.startMonitor(ctx, null as unknown as Machine, 'x'), /genStatem\.startMonitor needs a callback module/);
      assert.equal(node.processes().length, before);
    });
  });
});

test('gen:start options that are no object (a name given alone) or carry a misspelt key are badarg, and nothing is started', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const server: GenServer<null, never, never, never, void> = { init: () => ok(null) };
      const before = node.processes().length;
      const notObject = /start options must be an object such as \{ name: 'server', timeout: 5000 \}, got .*; nothing was started/;
      await assert.rejects(genEvent.start(ctx, 'alarms' as never), notObject);
      await assert.rejects(genEvent.startMonitor(ctx, null as never), notObject);
      await assert.rejects(genServer.start(ctx, server, undefined, ['name', 'x'] as never), notObject);
      await assert.rejects(genServer.startLink(ctx, server, undefined, { nmae: 'x' } as never), /start option 'nmae' is not one: did you mean 'name'\?/);
      await assert.rejects(genStatem.startMonitor(ctx, { callbackMode: 'handleEvent', init: () => genStatem.ok('s', null), handleEvent: () => genStatem.keepStateAndData() } as never, undefined, { timout: 10 } as never), /did you mean 'timeout'/);
      assert.equal(node.processes().length, before, 'a refused start left a process behind');
      assert.equal(ctx.whereis('alarms'), undefined);
      // An option far from every known one is no misspelling and is left alone, as OTP ignores unknown options.
      const pid = await genServer.start(ctx, server, undefined, { owner: 'me' } as never);
      assert.equal(ctx.isAlive(pid), true);
    });
  });
});
