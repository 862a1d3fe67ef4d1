// Cases mirroring OTP's lib/stdlib/test/gen_statem_SUITE.erl for absolute and updated timeouts, callback
// mode functions, enter_loop and typed inserted events, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, sys, isDown, TIMEOUT, type GenStatem, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

const { ok, keepStateAndData, nextState, reply, eventTimeout, stateTimeout, genericTimeout, nextEvent } = genStatem;
type Action = Parameters<typeof keepStateAndData>[0];
const WAIT = 20_000;

/** A machine that reports every event to `test`; the cast 'go' returns `actions`. */
function machine(actions: Action, test: Pid): GenStatem<'s', null, never, string, unknown, void> {
  return castMachine({ go: actions }, test);
}

/** A machine that reports every event to `test`; a cast returns the actions listed under its content. */
function castMachine(byCast: Record<string, Action>, test: Pid): GenStatem<'s', null, never, string, unknown, void> {
  return {
    name: 'timeouts',
    callbackMode: 'handleEvent',
    init: () => ok('s', null),
    handleEvent(event, _state, _data, ctx) {
      ctx.send(test, { event: `${event.type} ${'content' in event ? String(event.content) : ''}` });
      return event.type === 'cast' ? keepStateAndData(byCast[event.content]) : keepStateAndData();
    },
  };
}

async function events(ctx: ProcessContext, n: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < n) {
    const m = await ctx.receive((x): x is { event: string } => typeof x === 'object' && x !== null && 'event' in x, WAIT);
    assert.notEqual(m, TIMEOUT, `event ${out.length + 1} of ${n} was expected; got ${JSON.stringify(out)}`);
    out.push((m as { event: string }).event);
  }
  return out;
}

// Queues the cast 'go' and the message 'last' together, so 'last' waits in the mailbox while 'go' is handled; the first `n` events.
async function run(actions: Action, n: number): Promise<string[]> {
  return withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, machine(actions, ctx.self()), undefined);
      genStatem.cast(ctx, pid, 'go');
      ctx.send(pid, 'last');
      return events(ctx, n);
    }),
  );
}

test('gen_statem_SUITE state_timeout (abs): an absolute state timeout fires with its content', async () => {
  assert.deepEqual(await run([stateTimeout(performance.now() + 20, 'st', { abs: true })], 3), ['cast go', 'info last', 'stateTimeout st']);
});

test('gen_statem_SUITE state_timeout (abs): an absolute time already past fires at once, but as a message, after what the mailbox holds', async () => {
  assert.deepEqual(await run([stateTimeout(performance.now() - 1000, 'st', { abs: true })], 3), ['cast go', 'info last', 'stateTimeout st']);
});

test('gen_statem_SUITE generic_timers (abs): absolute generic timeouts fire, each under its name', async () => {
  const now = performance.now();
  const got = await run([genericTimeout('a', now - 1, 'ga', { abs: true }), genericTimeout('b', now + 20, 'gb', { abs: true })], 4);
  assert.deepEqual(got, ['cast go', 'info last', 'genericTimeout ga', 'genericTimeout gb']);
});

test('gen_statem_SUITE event_timeout (abs): an absolute event timeout in the past is still cancelled by the message already queued', async () => {
  // The machine reports 'last', then a probe cast tells whether a timeout came between.
  await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, machine([eventTimeout(performance.now() - 1000, 'et', { abs: true })], ctx.self()), undefined);
      genStatem.cast(ctx, pid, 'go');
      ctx.send(pid, 'last');
      assert.deepEqual(await events(ctx, 2), ['cast go', 'info last']);
      ctx.send(pid, 'probe');
      assert.deepEqual(await events(ctx, 1), ['info probe']);
    }),
  );
});

test('gen_statem_SUITE state_timeout (update): update changes the running timer\'s content, which still fires as that timer', async () => {
  // A past absolute timer is a message, queued behind 'upd' and 'last': updated by 'upd', it still comes after 'last'.
  const got = await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, castMachine({ arm: [stateTimeout(performance.now() - 1000, 'old', { abs: true })], upd: [stateTimeout('update', 'new')] }, ctx.self()), undefined);
      for (const c of ['arm', 'upd']) genStatem.cast(ctx, pid, c);
      ctx.send(pid, 'last');
      return events(ctx, 4);
    }),
  );
  assert.deepEqual(got, ['cast arm', 'cast upd', 'info last', 'stateTimeout new']);
});

test('gen_statem_SUITE state_timeout (update): of a set and an update in the same actions the last wins, so with no timer running the update fires at once', async () => {
  // OTP: "the last in the containing list wins"; the set before it is not started, so nothing runs for update to change.
  assert.deepEqual(await run([stateTimeout(performance.now() - 1000, 'old', { abs: true }), stateTimeout('update', 'new')], 3), ['cast go', 'stateTimeout new', 'info last']);
});

test('gen_statem_SUITE state_timeout (update): an update after a set in the same actions keeps the running timer\'s time, not the set\'s', async () => {
  // 'arm' starts a past absolute timer (a message behind 'last'); 'again' sets a fresh one of an hour then updates:
  // only the update counts, so the running timer keeps its time and fires after 'last' with the new content.
  const got = await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, castMachine({ arm: [stateTimeout(performance.now() - 1000, 'old', { abs: true })], again: [stateTimeout(3_600_000, 'hour'), stateTimeout('update', 'new')] }, ctx.self()), undefined);
      for (const c of ['arm', 'again']) genStatem.cast(ctx, pid, c);
      ctx.send(pid, 'last');
      return events(ctx, 4);
    }),
  );
  assert.deepEqual(got, ['cast arm', 'cast again', 'info last', 'stateTimeout new']);
});

test('gen_statem_SUITE state_timeout (update): updating a timeout that is not running fires it at once, as a zero timeout', async () => {
  assert.deepEqual(await run([stateTimeout('update', 'st')], 3), ['cast go', 'stateTimeout st', 'info last']);
});

test('gen_statem_SUITE generic_timers (update): per name the last action wins; updates of timers not running fire at once, in the order of the winning actions', async () => {
  const got = await run([genericTimeout('g', performance.now() - 1000, 'old', { abs: true }), genericTimeout('other', 'update', 'o'), genericTimeout('g', 'update', 'new')], 4);
  assert.deepEqual(got, ['cast go', 'genericTimeout o', 'genericTimeout new', 'info last']);
});

test('gen_statem_SUITE event_timeout (update): an event timeout never runs when actions apply, so update fires at once', async () => {
  assert.deepEqual(await run([eventTimeout('update', 'et')], 3), ['cast go', 'timeout et', 'info last']);
});

test('gen_statem_SUITE event_timeout (cancel): cancel drops an event timeout set earlier in the same actions', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, machine([eventTimeout(0, 'et'), eventTimeout('cancel')], ctx.self()), undefined);
      genStatem.cast(ctx, pid, 'go');
      ctx.send(pid, 'last');
      assert.deepEqual(await events(ctx, 2), ['cast go', 'info last']);
    }),
  );
});

test('gen_statem_SUITE next_events: inserted events may be casts, infos or calls answered through the caller\'s from', async () => {
  const log: string[] = [];
  const mod: GenStatem<'s', null, 'ask' | 'inner', never, string, void> = {
    callbackMode: 'handleEvent',
    init: () => ok('s', null),
    handleEvent(event) {
      log.push(`${event.type} ${'content' in event ? String(event.content) : ''}`);
      if (event.type === 'call' && event.content === 'ask') return keepStateAndData([nextEvent('c', 'cast'), nextEvent('i', 'info'), nextEvent('inner', { call: event.from }), nextEvent('x')]);
      if (event.type === 'call') return keepStateAndData([reply(event.from, `answered ${log.join(', ')}`)]);
      return keepStateAndData();
    },
  };
  const answer = await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, mod, undefined);
      return genStatem.call(ctx, pid, 'ask', WAIT);
    }),
  );
  assert.equal(answer, 'answered call ask, cast c, info i, call inner');
});

test('gen_statem_SUITE next_events: an unknown inserted event type is a bad return', async () => {
  const mod: GenStatem<'s', null, never, 'go', unknown, void> = {
    callbackMode: 'handleEvent',
    init: () => ok('s', null),
    handleEvent: () => keepStateAndData([nextEvent('x', 'sometimes' as never)]),
  };
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, mod, undefined);
      const ref = ctx.monitor(pid);
      genStatem.cast(ctx, pid, 'go');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.notEqual(down, TIMEOUT);
      assert.match(String((down as { reason: unknown }).reason), /bad return|BadReturnValue|handleEvent/i);
    });
  });
});

test('gen_statem_SUITE callback_mode: a callbackMode function is called once after init and again after a code change', async () => {
  let calls = 0;
  type M = GenStatem<'idle', number, 'get', never, string, void>;
  const v1: M = {
    name: 'moded',
    callbackMode: () => (calls++, ['handleEvent', 'stateEnter']),
    init: () => ok('idle', 0),
    handleEvent: (event, _s, entered) => (event.type === 'enter' ? keepStateAndData() : event.type === 'call' ? keepStateAndData([reply(event.from, `v1 ${entered}`)]) : keepStateAndData()),
  };
  const v2: M = {
    name: 'moded',
    callbackMode: () => (calls++, 'stateFunctions'),
    init: () => ok('idle', 0),
    states: { idle: (event) => (event.type === 'call' ? keepStateAndData([reply(event.from, 'v2')]) : keepStateAndData()) },
    // The suite's module exports code_change/4 (sys:change_code of a module without one fails with undef).
    codeChange: (_oldVsn, state, data) => ({ state, data }),
  };
  await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, v1, undefined);
      assert.equal(await genStatem.call(ctx, pid, 'get', WAIT), 'v1 0');
      assert.equal(await genStatem.call(ctx, pid, 'get', WAIT), 'v1 0');
      assert.equal(calls, 1, 'read once, not per event');
      await sys.suspend(ctx, pid);
      await sys.changeCode(ctx, pid, v2, '1');
      await sys.resume(ctx, pid);
      assert.equal(await genStatem.call(ctx, pid, 'get', WAIT), 'v2');
      assert.equal(calls, 2);
    }),
  );
});

test('gen_statem_SUITE callback_mode: a callbackMode function returning nonsense fails the start', async () => {
  const mod = { callbackMode: () => 'sideways', init: () => ok('s', null), handleEvent: () => keepStateAndData() } as unknown as GenStatem<'s', null>;
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await assert.rejects(genStatem.start(ctx, mod, undefined), (e: Error & { reason?: { callback?: string } }) => e.reason?.callback === 'callbackMode');
    });
  });
});

/** OTP's enter_loop case: a process registers itself, then becomes the machine with a state enter call. */
const lock: GenStatem<'locked' | 'open', string[], 'code' | 'state', never, string, void> = {
  name: 'lock',
  callbackMode: () => ['stateFunctions', 'stateEnter'],
  init: () => {
    throw new Error('enterLoop runs no init');
  },
  states: {
    locked: (event, log) => {
      if (event.type === 'enter') return keepStateAndData();
      if (event.type === 'call' && event.content === 'code') return nextState('open', [...log, 'opened'], [reply(event.from, 'ok'), stateTimeout('update', 'relock')]);
      return event.type === 'call' ? keepStateAndData([reply(event.from, `locked ${log.join(' ')}`)]) : keepStateAndData();
    },
    open: (event, log) => {
      if (event.type === 'enter') return keepStateAndData();
      if (event.type === 'stateTimeout') return nextState('locked', [...log, String(event.content)]);
      return event.type === 'call' ? keepStateAndData([reply(event.from, `open ${log.join(' ')}`)]) : keepStateAndData();
    },
  },
};

test('gen_statem_SUITE enter_loop: a process that set itself up becomes a gen_statem, its first state entered', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const me = ctx.self();
      const pid = ctx.spawn(async (c) => {
        c.register('door');
        c.send(me, 'ready');
        // The enter call of the first state runs here too, as after an init.
        await genStatem.enterLoop(c, lock, 'locked', ['entered']);
      });
      assert.equal(await ctx.receive((m) => m === 'ready', WAIT), 'ready');
      assert.equal(await genStatem.call(ctx, 'door', 'state', WAIT), 'locked entered');
      assert.equal(await genStatem.call(ctx, pid, 'code', WAIT), 'ok');
      // The update found no running state timeout, so it fired at once and relocked.
      assert.equal(await genStatem.call(ctx, 'door', 'state', WAIT), 'locked entered opened relock');
      assert.equal((await sys.getStatus(ctx, pid)).behaviour, 'gen_statem');
    }),
  );
});

test('gen_statem_SUITE enter_loop: bad actions end the process with a bad return', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const [pid, ref] = ctx.spawnMonitor((c) => genStatem.enterLoop(c, lock, 'locked', [], [{ timeout: -1 }]));
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.notEqual(down, TIMEOUT, `${pid} was expected to exit`);
      assert.equal(((down as { reason: { callback?: string } }).reason).callback, 'init');
    });
  });
});

test('docs/gen-statem.md example: a session that expires at an absolute time, its warning updated in place', async () => {
  const session: GenStatem<'active' | 'expired', null, 'status', 'touch', string, number> = {
    name: 'session',
    callbackMode: 'handleEvent',
    init: (expiresAt) => ok('active', null, [stateTimeout(expiresAt, 'expired', { abs: true })]),
    handleEvent(event, state) {
      if (event.type === 'stateTimeout') return nextState('expired', null);
      if (event.type === 'cast') return keepStateAndData([genericTimeout('warn', 'update', 'touched')]);
      if (event.type === 'call') return keepStateAndData([reply(event.from, state)]);
      return keepStateAndData();
    },
  };
  await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, session, performance.now() - 1);
      const ref = ctx.monitor(pid);
      // Polls for the expiry, which comes as a message after the start.
      const deadline = performance.now() + WAIT;
      while ((await genStatem.call(ctx, pid, 'status', WAIT)) !== 'expired') assert.ok(performance.now() < deadline, 'the session was expected to expire');
      genStatem.cast(ctx, pid, 'touch');
      assert.equal(await genStatem.call(ctx, pid, 'status', WAIT), 'expired');
      assert.equal(await ctx.receive((m) => isDown(m, ref), 0), TIMEOUT);
    }),
  );
});

test('docs/gen-statem.md example: a door with a callbackMode function, entered by a process that registered itself', async () => {
  const door: GenStatem<'locked' | 'open', null, 'open', never, string> = {
    callbackMode: () => ['stateFunctions', 'stateEnter'],
    init: () => ok('locked', null),
    states: { locked: (e) => (e.type === 'call' ? nextState('open', null, [reply(e.from, 'ok')]) : keepStateAndData()), open: () => keepStateAndData() },
  };
  await withNode((node) =>
    node.run(async (ctx) => {
      const me = ctx.self();
      const pid = ctx.spawnLink(async (c) => {
        c.register('door');
        c.send(me, 'registered');
        await genStatem.enterLoop(c, door, 'locked', null);
      });
      assert.equal(await ctx.receive((m) => m === 'registered', WAIT), 'registered');
      assert.equal(await genStatem.call(ctx, 'door', 'open', WAIT), 'ok');
      assert.deepEqual(await sys.getState(ctx, pid), { state: 'open', data: null });
    }),
  );
});
