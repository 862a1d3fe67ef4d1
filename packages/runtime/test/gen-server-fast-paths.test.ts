// The gen_server hot paths (issue 20) walked with odd-but-legal inputs, so a fast path cannot silently change what a
// user sees: casts share one message per primitive request and go to a pid without a liveness check; a start whose
// init is synchronous acknowledges without a promise and uses its monitor's ref as the ack's tag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, ok, ignore, reply, noreply, stop, sys, isDown, BadReturnValue, StartError, TIMEOUT, type GenServer, type Pid, type ViaRegistry } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

type Cast = 'inc' | 7 | true | null | undefined | { add: number } | 'sleep';
type Call = 'get' | 'hibernate' | 'log';

interface Counter {
  n: number;
  log: unknown[];
}

const counter: GenServer<Counter, Call, Cast, unknown, void> = {
  name: 'fast_counter',
  init: () => ok({ n: 0, log: [] }),
  handleCall(req, _from, s) {
    if (req === 'hibernate') return reply('ok', s, 'hibernate');
    if (req === 'log') return reply(s.log, s);
    return reply(s.n, s);
  },
  handleCast(req, s) {
    const n = s.n + (typeof req === 'object' && req !== null ? req.add : 1);
    return noreply({ n, log: [...s.log, req] });
  },
};

test('casts of the same primitive request are each delivered and handled, in order with the others, and a cast to a dead pid is dropped', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, counter, undefined);
      const requests: Cast[] = ['inc', 'inc', 7, { add: 10 }, 'inc', true, null, undefined, 7, true];
      for (const r of requests) genServer.cast(ctx, srv, r);
      assert.equal(await genServer.call(ctx, srv, 'get'), 9 + 10);
      assert.deepEqual(await genServer.call(ctx, srv, 'log'), requests);
      // A long string request is its own message, not a shared one: still handled once per cast.
      const long = 'x'.repeat(200) as Cast;
      genServer.cast(ctx, srv, long);
      genServer.cast(ctx, srv, long);
      assert.equal(await genServer.call(ctx, srv, 'get'), 21);
      await genServer.stop(ctx, srv);
      assert.equal(ctx.isAlive(srv), false);
      // A cast never fails, to a dead pid either.
      genServer.cast(ctx, srv, 'inc');
      assert.equal(genServer.cast(ctx, 'fast_no_such_server', 'inc'), undefined);
    }),
  );
});

test('a cast to a hibernated server wakes it and is handled; the server hibernates again and keeps its state', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, counter, undefined);
      genServer.cast(ctx, srv, 'inc');
      assert.equal(await genServer.call(ctx, srv, 'hibernate'), 'ok');
      assert.equal(ctx.processInfo(srv)?.currentFunction, 'erlang.hibernate');
      for (let i = 0; i < 3; i++) genServer.cast(ctx, srv, 'inc');
      assert.equal(await genServer.call(ctx, srv, 'get'), 4);
      assert.equal(await genServer.call(ctx, srv, 'hibernate'), 'ok');
      genServer.cast(ctx, srv, { add: 5 });
      assert.equal(await genServer.call(ctx, srv, 'get'), 9);
    }),
  );
});

test('casts to a server suspended by sys wait in its mailbox, untouched, and are handled in order after resume', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, counter, undefined);
      await sys.suspend(ctx, srv);
      for (const r of ['inc', 'inc', 7] as const) genServer.cast(ctx, srv, r);
      const queued = ctx.processInfo(srv)?.messageQueueLen;
      assert.equal(queued, 3, 'the casts wait while the server is suspended');
      assert.deepEqual((await sys.getState(ctx, srv)) as Counter, { n: 0, log: [] });
      await sys.resume(ctx, srv);
      assert.equal(await genServer.call(ctx, srv, 'get'), 3);
      assert.deepEqual(await genServer.call(ctx, srv, 'log'), ['inc', 'inc', 7]);
    }),
  );
});

test('a start whose init throws, returns ignore, stop or nonsense (sync or async) fails with StartError and frees the name, leaving nothing in the starter mailbox', async () => {
  await withNode((node) => {
    quietLogs(node);
    return node.run(async (ctx) => {
      const cases: Array<[string, () => unknown, (e: StartError) => boolean]> = [
        [
          'throws',
          () => {
            throw new Error('init boom');
          },
          (e) => e.reason instanceof Error && e.reason.message === 'init boom',
        ],
        ['rejects', () => Promise.reject(new Error('async boom')), (e) => e.reason instanceof Error && e.reason.message === 'async boom'],
        ['ignore', () => ignore(), (e) => e.reason === 'ignore'],
        ['async ignore', async () => ignore(), (e) => e.reason === 'ignore'],
        ['stop', () => stop('no_config'), (e) => e.reason === 'no_config'],
        ['async stop', async () => stop({ missing: 'db' }), (e) => (e.reason as { missing?: string }).missing === 'db'],
        ['nonsense', () => ({ type: 'noreply', state: 1 }), (e) => e.reason instanceof BadReturnValue],
        ['undefined', () => undefined, (e) => e.reason instanceof BadReturnValue],
      ];
      for (const [what, init, check] of cases) {
        const mod = { name: 'fast_failing', init } as unknown as GenServer<unknown, never, never, unknown, void>;
        for (const link of [false, true]) {
          if (link) ctx.trapExit(true);
          const started = link ? genServer.startLink(ctx, mod, undefined, { name: 'fast_failing' }) : genServer.start(ctx, mod, undefined, { name: 'fast_failing' });
          await assert.rejects(started, (e: unknown) => e instanceof StartError && check(e), `${what} (${link ? 'startLink' : 'start'})`);
          assert.equal(ctx.whereis('fast_failing'), undefined, `${what}: the name is free once start returned`);
          // startLink's failed child exited linked to the starter, which traps exits: as OTP 26's proc_lib, the
          // start consumed its Exit, so nothing is left below.
          if (link) ctx.trapExit(false);
          assert.equal(ctx.receiveNow(), TIMEOUT, `${what}: nothing else left in the mailbox`);
        }
      }
    });
  });
});

test('a start with a name already taken (local or via) fails with alreadyStarted naming the holder, and the holder is untouched', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const holder = await genServer.start(ctx, counter, undefined, { name: 'fast_taken' });
      await assert.rejects(genServer.start(ctx, counter, undefined, { name: 'fast_taken' }), (e: unknown) => e instanceof StartError && e.reason === 'alreadyStarted' && e.pid === holder);
      const names = new Map<unknown, Pid>();
      const via: ViaRegistry = {
        whereis: (n) => names.get(n),
        register: (n, pid) => (names.has(n) ? false : (names.set(n, pid), true)),
        unregister: (n) => void names.delete(n),
      };
      const first = await genServer.start(ctx, counter, undefined, { name: { via, name: 'fast_via' } });
      await assert.rejects(genServer.start(ctx, counter, undefined, { name: { via, name: 'fast_via' } }), (e: unknown) => e instanceof StartError && e.reason === 'alreadyStarted' && e.pid === first);
      genServer.cast(ctx, holder, 'inc');
      assert.equal(await genServer.call(ctx, holder, 'get'), 1);
      assert.equal(await genServer.call(ctx, first, 'get'), 0);
    }),
  );
});

test('a server that dies right after its init acknowledged, before the starter resumed: start returns its pid and leaves no DOWN of its own in the mailbox', async () => {
  await withNode((node) => {
    quietLogs(node);
    return node.run(async (ctx) => {
      // The ack wakes the starter, which resumes only after the child's turn: the child dies within that turn,
      // so the start's monitor has fired (its DOWN queued) by the time the starter drops the monitor.
      const dying: GenServer<null, never, never, unknown, 'kill' | 'crash'> = {
        name: 'fast_dies_after_ack',
        init: (how) => ok(null, { continue: how }),
        handleContinue: (how, s, c) => {
          if (how === 'crash') throw new Error('right after init');
          c.exit(c.self(), 'kill');
          return noreply(s);
        },
      };
      for (const how of ['kill', 'crash'] as const) {
        const pid = await genServer.start(ctx, dying, how);
        assert.ok(pid);
        const ref = ctx.monitor(pid);
        const down = await ctx.receive((m) => isDown(m) && m.ref === ref, 30_000);
        // Killed within its first turn, the child is gone before start returned (noproc); a crash may take longer.
        assert.ok(isDown(down) && (how === 'kill' ? down.reason === 'noproc' : true), `${how}: ${String(isDown(down) && down.reason)}`);
        assert.equal(ctx.receiveNow(), TIMEOUT, `${how}: no other message: the start left no DOWN behind`);
      }
    });
  });
});
