// An idle gen_server started by start/startLink parks without a suspended frame (parkLoop, issue 20): its next
// message resumes it from a queue of woken servers. These walk the ways back out of that park: past the scheduler's
// budget, servers waking each other, async callbacks and timeouts in between, and crashes and kills on the way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, ok, reply, noreply, stop, isDown, type GenServer, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { ended, quietLogs, withNode } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

const counter: GenServer<number, 'get', 'inc', unknown, void> = {
  name: 'parked_counter',
  init: () => ok(0),
  handleCall: (_req, _from, n) => reply(n, n),
  handleCast: (_req, n) => noreply(n + 1),
};

test('50,000 casts sent in one turn to a parked server are all handled: the server drains past the scheduler budget and parks to scan', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, counter, undefined);
      assert.equal(ctx.processInfo(srv)?.status, 'waiting');
      for (let i = 0; i < 50_000; i++) genServer.cast(ctx, srv, 'inc');
      assert.equal(await genServer.call(ctx, srv, 'get', Infinity), 50_000);
      assert.equal(ctx.processInfo(srv)?.status, 'waiting');
    }),
  );
});

test('a thousand parked servers woken in one turn each handle their own messages in order', async () => {
  const log: GenServer<number[], 'get', number, unknown, void> = {
    init: () => ok([]),
    handleCall: (_req, _from, s) => reply(s, s),
    handleCast: (n, s) => noreply([...s, n]),
  };
  await withNode((node) =>
    node.run(async (ctx) => {
      const servers: Pid[] = [];
      for (let i = 0; i < 1000; i++) servers.push(await genServer.start(ctx, log, undefined));
      for (let round = 0; round < 3; round++) for (let i = 0; i < servers.length; i++) genServer.cast(ctx, servers[i]!, i * 10 + round);
      for (let i = 0; i < servers.length; i++) assert.deepEqual(await genServer.call(ctx, servers[i]!, 'get'), [i * 10, i * 10 + 1, i * 10 + 2]);
    }),
  );
});

interface Player {
  other: Pid | null;
  count: number;
  done: Pid | null;
}

// Two servers cast a ball to each other until one has hit it `rally` times; the event loop must keep running meanwhile.
const player = (rally: number, onHit: (count: number) => void): GenServer<Player, 'get', { serve: Pid; done: Pid } | 'ball', unknown, void> => ({
  init: () => ok({ other: null, count: 0, done: null }),
  handleCall: (_req, _from, s) => reply(s.count, s),
  handleCast(msg, s, ctx) {
    if (msg !== 'ball') {
      genServer.cast(ctx, msg.serve, 'ball');
      return noreply({ ...s, other: msg.serve, done: msg.done });
    }
    s.count++;
    onHit(s.count);
    if (s.count >= rally) {
      if (s.done !== null) ctx.send(s.done, 'rally over');
      return noreply(s);
    }
    if (s.other === null) throw new Error('no one to return the ball to');
    genServer.cast(ctx, s.other, 'ball');
    return noreply(s);
  },
});

test('two parked servers waking each other 100,000 times leave the event loop its turns, and both count every hit', async () => {
  const rally = 100_000;
  let seenAt = -1;
  let hits = 0;
  const onHit = (): void => {
    hits++;
    // An immediate asked for mid-rally runs before the rally ends only if the servers yield to the event loop.
    if (hits === 1000) setImmediate(() => (seenAt = hits));
  };
  await withNode((node) =>
    node.run(async (ctx) => {
      const a = await genServer.start(ctx, player(rally, onHit), undefined);
      const b = await genServer.start(ctx, player(rally, onHit), undefined);
      genServer.cast(ctx, b, { serve: a, done: ctx.self() });
      genServer.cast(ctx, a, { serve: b, done: ctx.self() });
      assert.equal(await ctx.receive(null, 60_000), 'rally over');
      const [na, nb] = [await genServer.call(ctx, a, 'get'), await genServer.call(ctx, b, 'get')];
      assert.ok(na === rally || nb === rally, `one player reached the rally's end: ${na}, ${nb}`);
      assert.ok(seenAt > 1000 && seenAt < 2 * rally - 1, `the immediate ran mid-rally (after hit ${seenAt} of about ${2 * rally})`);
    }),
  );
});

type Step = { wait: Pid } | 'inc' | { timeout: number } | 'hibernate';

// A server whose callbacks go async (a wait for a go-ahead), set a timeout or hibernate, between synchronous ones.
const mixed: GenServer<{ n: number; seen: unknown[]; watcher: Pid | null }, 'get', Step, unknown, void> = {
  init: () => ok({ n: 0, seen: [], watcher: null }),
  handleCall: (_req, _from, s) => reply(s, s),
  async handleCast(step, s, ctx) {
    if (step === 'inc') return noreply({ ...s, n: s.n + 1 });
    if (step === 'hibernate') return noreply(s, 'hibernate');
    if ('timeout' in step) return noreply(s, step.timeout);
    ctx.send(step.wait, { ready: ctx.self() });
    const go = await ctx.receive((m) => m === 'go');
    return noreply({ ...s, seen: [...s.seen, go], watcher: step.wait });
  },
  handleInfo(info, s, ctx) {
    // A pending timeout comes as the info 'timeout'; the watcher hears of it (a call would cancel it).
    if (info === 'timeout' && s.watcher !== null) ctx.send(s.watcher, 'timed out');
    return noreply({ ...s, seen: [...s.seen, info] });
  },
};

test('a server goes from parked to an async callback, a pending timeout and hibernation and back, and handles every message in order', async () => {
  await withNode((node) =>
    node.run(async (ctx: ProcessContext) => {
      const srv = await genServer.start(ctx, mixed, undefined);
      genServer.cast(ctx, srv, { wait: ctx.self() });
      genServer.cast(ctx, srv, 'inc');
      ctx.send(srv, 'info 1');
      await ctx.receive((m) => typeof m === 'object' && m !== null && 'ready' in m);
      // Queued behind the async callback: not handled until it returns.
      assert.equal(ctx.processInfo(srv)?.messageQueueLen, 2);
      ctx.send(srv, 'go');
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { n: 1, seen: ['go', 'info 1'], watcher: ctx.self() });
      // A timeout that fires, then one a message cancels.
      genServer.cast(ctx, srv, { timeout: 1 });
      assert.equal(await ctx.receive((m) => m === 'timed out'), 'timed out');
      genServer.cast(ctx, srv, { timeout: 60_000 });
      ctx.send(srv, 'info 2');
      assert.deepEqual(((await genServer.call(ctx, srv, 'get')) as { seen: unknown[] }).seen, ['go', 'info 1', 'timeout', 'info 2']);
      genServer.cast(ctx, srv, 'hibernate');
      await waitFor('the server to hibernate', () => ctx.processInfo(srv)?.currentFunction === 'erlang.hibernate');
      genServer.cast(ctx, srv, 'inc');
      assert.equal(((await genServer.call(ctx, srv, 'get')) as { n: number }).n, 2);
      assert.equal(ctx.processInfo(srv)?.status, 'waiting');
    }),
  );
});

const fragile: GenServer<number, 'get', 'crash' | 'throw' | 'stop', unknown, void> = {
  init: () => ok(0),
  handleCall: (_req, _from, n) => reply(n, n),
  handleCast(req, n) {
    if (req === 'stop') return stop('finished', n);
    // A hostile callback throws a non-Error value.
    if (req === 'throw') throw 'a string';
    throw new Error('boom');
  },
};

test('a parked server that crashes, throws a non-Error or stops from a synchronous callback exits with that reason, and a killed one handles nothing more', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      quietLogs(node);
      const reasons: unknown[] = [];
      for (const req of ['crash', 'throw', 'stop'] as const) {
        const srv = await genServer.start(ctx, fragile, undefined);
        const ref = ctx.monitor(srv);
        genServer.cast(ctx, srv, req);
        const down = await ctx.receive((m) => isDown(m, ref));
        reasons.push(down.reason instanceof Error ? down.reason.message : down.reason);
      }
      assert.deepEqual(reasons, ['boom', 'a string', 'finished']);
      // Killed after a cast woke it but before it ran: the cast is never handled and the process stays dead.
      let handled = 0;
      const watched: GenServer<number, 'get', 'inc', unknown, void> = { ...counter, handleCast: (_r, n) => (handled++, noreply(n + 1)) };
      const srv = await genServer.start(ctx, watched, undefined);
      genServer.cast(ctx, srv, 'inc');
      ctx.exit(srv, 'kill');
      await ended(ctx, srv);
      await new Promise((r) => setImmediate(r));
      assert.equal(handled, 0);
      assert.equal(ctx.isAlive(srv), false);
    }),
  );
});

test('a server whose init awaited a receive parks afterwards like any other, and its crash or stop still ends the process with its reason', async () => {
  const slow: GenServer<number, 'get', 'crash' | 'stop' | 'inc', unknown, Pid> = {
    async init(starter, ctx) {
      // Waits in a receive during init: the process's body is a pending promise the runtime has not watched yet.
      ctx.send(starter, { waiting: ctx.self() });
      await ctx.receive((m) => m === 'go on');
      return ok(0);
    },
    handleCall: (_req, _from, n) => reply(n, n),
    handleCast(req, n) {
      if (req === 'stop') return stop('done', n);
      if (req === 'crash') throw new Error('late boom');
      return noreply(n + 1);
    },
  };
  await withNode((node) =>
    node.run(async (ctx) => {
      quietLogs(node);
      const reasons: unknown[] = [];
      for (const last of ['crash', 'stop'] as const) {
        // A helper lets init go on: the starter itself waits in start's own receive meanwhile.
        const helper = ctx.spawn(async (c) => {
          const { waiting } = (await c.receive()) as { waiting: Pid };
          c.send(waiting, 'go on');
        });
        const srv = await genServer.start(ctx, slow, helper);
        for (let i = 0; i < 3; i++) genServer.cast(ctx, srv, 'inc');
        assert.equal(await genServer.call(ctx, srv, 'get'), 3);
        assert.equal(ctx.processInfo(srv)?.status, 'waiting');
        const ref = ctx.monitor(srv);
        genServer.cast(ctx, srv, last);
        const down = await ctx.receive((m) => isDown(m, ref));
        reasons.push(down.reason instanceof Error ? down.reason.message : down.reason);
      }
      assert.deepEqual(reasons, ['late boom', 'done']);
    }),
  );
});
