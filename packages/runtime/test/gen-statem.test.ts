import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  genStatem,
  genServer,
  sys,
  isDown,
  BadReturnValue,
  type CallError,
  type StartError,
  type GenStatem,
  type From,
  type ProcessContext,
  type Pid,
} from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

const { ok, nextState, keepState, keepStateAndData, repeatState, reply, postpone, eventTimeout, stateTimeout, genericTimeout, nextEvent } = genStatem;

async function downReason(ctx: ProcessContext, pid: Pid, act: () => void): Promise<unknown> {
  const ref = ctx.monitor(pid);
  act();
  return (await ctx.receive((m) => isDown(m, ref))).reason;
}

type DoorCall = { button: number } | 'status';
type DoorData = { code: readonly number[]; input: number[] };

const door: GenStatem<'locked' | 'open', DoorData, DoorCall, 'lock', string, number[]> = {
  name: 'door',
  callbackMode: 'stateFunctions',
  init: (code) => ok('locked', { code, input: [] }),
  states: {
    locked(event, data) {
      if (event.type !== 'call') return keepStateAndData();
      if (event.content === 'status') return keepStateAndData([reply(event.from, 'locked')]);
      const input = [...data.input, event.content.button].slice(-data.code.length);
      if (input.join() !== data.code.join()) return keepState({ ...data, input }, [reply(event.from, 'locked')]);
      return nextState('open', { ...data, input: [] }, [reply(event.from, 'open'), stateTimeout(80, 'relock')]);
    },
    open(event, data) {
      if (event.type === 'stateTimeout' || event.type === 'cast') return nextState('locked', data);
      if (event.type === 'call') return keepStateAndData([reply(event.from, 'open')]);
      return keepStateAndData();
    },
  },
};

const doorByEvent: GenStatem<{ locked: boolean }, DoorData, DoorCall, 'lock', string, number[]> = {
  name: 'door2',
  callbackMode: 'handleEvent',
  init: (code) => ok({ locked: true }, { code, input: [] }),
  handleEvent(event, state, data) {
    if (!state.locked) {
      if (event.type === 'stateTimeout' || event.type === 'cast') return nextState({ locked: true }, data);
      return event.type === 'call' ? keepStateAndData([reply(event.from, 'open')]) : keepStateAndData();
    }
    if (event.type !== 'call') return keepStateAndData();
    if (event.content === 'status') return keepStateAndData([reply(event.from, 'locked')]);
    const input = [...data.input, event.content.button].slice(-data.code.length);
    if (input.join() !== data.code.join()) return keepState({ ...data, input }, [reply(event.from, 'locked')]);
    return nextState({ locked: false }, { ...data, input: [] }, [reply(event.from, 'open'), stateTimeout(80, 'relock')]);
  },
};

async function doorScenario<S>(mod: GenStatem<S, DoorData, DoorCall, 'lock', string, number[]>): Promise<void> {
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const pid = await genStatem.startLink(ctx, mod, [1, 2, 3], { name: 'door' });
      const out: string[] = [];
      for (const button of [9, 1, 2, 3]) out.push(await genStatem.call(ctx, pid, { button }));
      out.push(String(await genServer.call(ctx, 'door', 'status')));
      // The 80 ms state timeout relocks the door; calls while it is open neither relock it nor cancel the timeout.
      for (const end = Date.now() + 30_000; (await genStatem.call(ctx, pid, 'status')) === 'open'; await ctx.sleep(10)) {
        if (Date.now() > end) assert.fail('the state timeout did not relock the door within 30 s');
      }
      out.push(await genStatem.call(ctx, pid, 'status'));
      for (const button of [1, 2, 3]) await genStatem.call(ctx, pid, { button });
      genStatem.cast(ctx, pid, 'lock');
      out.push(await genStatem.call(ctx, pid, 'status'));
      return out;
    });
    assert.deepEqual(got, ['locked', 'locked', 'locked', 'open', 'open', 'locked', 'locked']);
  });
}

test('a door lock in stateFunctions mode: code entry, state timeout relock, cast lock', () => doorScenario(door));

test('the same door in handleEvent mode with object states', () => doorScenario(doorByEvent));

test('state enter calls: on init, on every state change and on repeatState, never on keepState', async () => {
  type Cmd = string;
  const mod: GenStatem<string, string[], 'log', Cmd, string[], void> = {
    callbackMode: 'handleEvent',
    stateEnter: true,
    init: () => ok('a', []),
    handleEvent(event, state, log) {
      if (event.type === 'enter') return keepState([...log, `enter ${state} from ${event.oldState}`]);
      if (event.type === 'call') return keepStateAndData([reply(event.from, log)]);
      if (event.type !== 'cast') return keepStateAndData();
      if (event.content === 'keep') return keepState([...log, 'keep']);
      if (event.content === 'same') return nextState(state, [...log, 'same']);
      if (event.content === 'repeat') return repeatState([...log, 'repeat']);
      return nextState(event.content, log);
    },
  };
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const pid = await genStatem.startLink(ctx, mod, undefined);
      for (const cmd of ['b', 'keep', 'same', 'repeat', 'a']) genStatem.cast(ctx, pid, cmd);
      return genStatem.call(ctx, pid, 'log');
    });
    assert.deepEqual(got, ['enter a from a', 'enter b from a', 'keep', 'same', 'repeat', 'enter b from b', 'enter a from b']);
  });
});

test('an enter call that changes state or postpones crashes the machine with BadReturnValue', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const mk = (onEnter: genStatem.Result<string, null, never>): GenStatem<string, null, never, 'go', never, void> => ({
      callbackMode: 'stateFunctions',
      stateEnter: true,
      init: () => ok('a', null),
      states: { a: (event) => (event.type === 'cast' ? nextState('b', null) : keepStateAndData()), b: () => onEnter },
    });
    const got = await node.run(async (ctx) => {
      const out: unknown[] = [];
      for (const onEnter of [nextState('c', null), keepStateAndData([postpone]), keepStateAndData([nextEvent('x')])]) {
        const pid = await genStatem.start(ctx, mk(onEnter), undefined);
        const reason = await downReason(ctx, pid, () => genStatem.cast(ctx, pid, 'go'));
        out.push(reason instanceof BadReturnValue ? reason.callback : reason);
      }
      return out;
    });
    assert.deepEqual(got, ['states.b', 'states.b', 'states.b']);
  });
});

test('postponed events are retried after the next state change, in their original order, before queued ones', async () => {
  const mod: GenStatem<'busy' | 'ready', string[], 'get', string, string[], void> = {
    callbackMode: 'stateFunctions',
    init: () => ok('busy', []),
    states: {
      busy(event, data) {
        if (event.type === 'call') return keepStateAndData([reply(event.from, data)]);
        if (event.type === 'cast' && event.content === 'go') return nextState('ready', data);
        if (event.type === 'cast' && event.content === 'noop') return keepStateAndData();
        return keepStateAndData([postpone]);
      },
      ready(event, data) {
        if (event.type === 'call') return keepStateAndData([reply(event.from, data)]);
        if (event.type === 'cast' && event.content === 'busy') return nextState('busy', data);
        return event.type === 'cast' ? keepState([...data, event.content]) : keepStateAndData();
      },
    },
  };
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const pid = await genStatem.startLink(ctx, mod, undefined);
      for (const c of ['a', 'b', 'noop', 'go', 'c', 'busy', 'd', 'e']) genStatem.cast(ctx, pid, c);
      const whileBusy = await genStatem.call(ctx, pid, 'get');
      genStatem.cast(ctx, pid, 'go');
      genStatem.cast(ctx, pid, 'f');
      return [whileBusy, await genStatem.call(ctx, pid, 'get')];
    });
    assert.deepEqual(got, [
      ['a', 'b', 'c'],
      ['a', 'b', 'c', 'd', 'e', 'f'],
    ]);
  });
});

type TimerCmd = { arm: 'event' | 'state'; ms: number } | { generic: string; ms: number | 'cancel'; content?: string } | 'toB' | 'toA' | 'poke';

const timers: GenStatem<'a' | 'b', string[], 'log', TimerCmd, string[], void> = {
  callbackMode: 'handleEvent',
  init: () => ok('a', []),
  handleEvent(event, state, log) {
    switch (event.type) {
      case 'call':
        return keepStateAndData([reply(event.from, log)]);
      case 'timeout':
      case 'stateTimeout':
        // The content is the deadline the timer was armed for: a timer firing early is logged as such.
        return keepState([...log, `${event.type} in ${state}${Date.now() < (event.content as number) - 2 ? ' (early)' : ''}`]);
      case 'genericTimeout':
        return keepState([...log, `${String(event.name)}:${String(event.content)}`]);
      case 'cast': {
        const c = event.content;
        if (c === 'toB' || c === 'toA') return nextState(c === 'toB' ? 'b' : 'a', log);
        if (c === 'poke') return keepState([...log, 'poke']);
        if ('arm' in c) return keepStateAndData([c.arm === 'event' ? eventTimeout(c.ms, Date.now() + c.ms) : stateTimeout(c.ms, Date.now() + c.ms)]);
        return keepStateAndData([genericTimeout(c.generic, c.ms, c.content)]);
      }
    }
    return keepStateAndData();
  },
};

// The machine's log once it holds `entry`: a state timer that must fire is waited for, not slept past (deadline 30 s).
async function logOnce(ctx: ProcessContext, pid: Pid, entry: string): Promise<string[]> {
  for (const end = Date.now() + 30_000; ; await ctx.sleep(5)) {
    const log = (await genStatem.call(ctx, pid, 'log')) as string[];
    if (log.includes(entry)) return log;
    if (Date.now() > end) assert.fail(`no '${entry}' in the log within 30 s: ${log.join(', ')}`);
  }
}

test('an event timeout is cancelled by any event and fires otherwise', async () => {
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const pid = await genStatem.startLink(ctx, timers, undefined);
      genStatem.cast(ctx, pid, { arm: 'event', ms: 50 });
      genStatem.cast(ctx, pid, 'poke');
      // Past the deadline of a timer that must not fire (timers fire in deadline order): the subject, not a wait.
      await ctx.sleep(100);
      const cancelled = await genStatem.call(ctx, pid, 'log');
      genStatem.cast(ctx, pid, { arm: 'event', ms: 30 });
      // Not polled: asking for the log is an event, which cancels an event timeout.
      await ctx.sleep(80);
      return [cancelled, await genStatem.call(ctx, pid, 'log')];
    });
    assert.deepEqual(got, [['poke'], ['poke', 'timeout in a']]);
  });
});

test('a state timeout survives events in the same state, is cancelled by a state change, and fires otherwise', async () => {
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const pid = await genStatem.startLink(ctx, timers, undefined);
      genStatem.cast(ctx, pid, { arm: 'state', ms: 50 });
      genStatem.cast(ctx, pid, 'poke');
      await logOnce(ctx, pid, 'stateTimeout in a');
      genStatem.cast(ctx, pid, { arm: 'state', ms: 30 });
      genStatem.cast(ctx, pid, 'toB');
      // Past the deadline of the cancelled timer (timers fire in deadline order): the subject, not a wait.
      await ctx.sleep(80);
      return genStatem.call(ctx, pid, 'log');
    });
    assert.deepEqual(got, ['poke', 'stateTimeout in a']);
  });
});

test('generic timeouts: independent by name, restarted by setting again, cancelled by cancel or Infinity, kept across state changes', async () => {
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const pid = await genStatem.startLink(ctx, timers, undefined);
      const set = (generic: string, ms: number | 'cancel', content?: string): void => genStatem.cast(ctx, pid, { generic, ms, content });
      set('g', 150, 'first');
      set('c1', 30);
      set('c2', 30);
      set('kept', 20, 'across');
      genStatem.cast(ctx, pid, 'toB');
      set('c1', 'cancel');
      set('c2', Infinity);
      await ctx.sleep(30);
      set('g', 150, 'second');
      const restarted = Date.now();
      while ((await genStatem.call(ctx, pid, 'log')).length < 2) await ctx.sleep(5);
      const fired = Date.now();
      await ctx.sleep(50);
      return [await genStatem.call(ctx, pid, 'log'), fired - restarted >= 145];
    });
    assert.deepEqual(got, [['kept:across', 'g:second'], true]);
  });
});

test('nextEvent inserts internal events, in order, before anything queued (also from init)', async () => {
  const mod: GenStatem<'s', string[], 'log', string, string[], void> = {
    callbackMode: 'stateFunctions',
    init: () => ok('s', [], [nextEvent('boot')]),
    states: {
      s(event, log) {
        if (event.type === 'call') return keepStateAndData([reply(event.from, log)]);
        if (event.type === 'internal') {
          const c = String(event.content);
          return keepState([...log, c], c === 'i1' ? [nextEvent('i1a')] : []);
        }
        if (event.type === 'cast' && event.content === 'start') return keepState([...log, 'start'], [nextEvent('i1'), nextEvent('i2')]);
        return event.type === 'cast' ? keepState([...log, event.content]) : keepStateAndData();
      },
    },
  };
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const pid = await genStatem.startLink(ctx, mod, undefined);
      genStatem.cast(ctx, pid, 'start');
      genStatem.cast(ctx, pid, 'after');
      return genStatem.call(ctx, pid, 'log');
    });
    assert.deepEqual(got, ['boot', 'start', 'i1', 'i1a', 'i2', 'after']);
  });
});

test('calls: a reply action from any later event, sendReply from anywhere, and a call timeout whose late reply is dropped', async () => {
  type Data = { waiting: From<string> | null };
  const mod: GenStatem<'s', Data, 'now' | 'later' | 'direct' | 'late', 'release', string, void> = {
    callbackMode: 'handleEvent',
    init: () => ok('s', { waiting: null }),
    handleEvent(event, _state, data, ctx) {
      if (event.type === 'cast' && data.waiting) return keepState({ waiting: null }, [reply(data.waiting, 'released')]);
      if (event.type === 'info' && data.waiting) return keepState({ waiting: null }, [reply(data.waiting, 'too late')]);
      if (event.type !== 'call') return keepStateAndData();
      if (event.content === 'now') return keepStateAndData([reply(event.from, 'now')]);
      if (event.content === 'later') return keepState({ waiting: event.from });
      if (event.content === 'direct') ctx.spawn(async () => genStatem.sendReply(event.from, 'direct'));
      if (event.content === 'late') {
        ctx.sendAfter(30, ctx.self(), 'tick');
        return keepState({ waiting: event.from });
      }
      return keepStateAndData();
    },
  };
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const pid = await genStatem.startLink(ctx, mod, undefined);
      const me = ctx.self();
      ctx.spawn(async (c) => c.send(me, await genStatem.call(c, pid, 'later')));
      while ((await sys.getState<{ data: Data }>(ctx, pid)).data.waiting === null) await ctx.sleep(1);
      genStatem.cast(ctx, pid, 'release');
      const released = await ctx.receive();
      const out: unknown[] = [await genStatem.call(ctx, pid, 'now'), released, await genStatem.call(ctx, pid, 'direct')];
      await assert.rejects(genStatem.call(ctx, pid, 'late', 10), (e: CallError) => e.failure === 'timeout');
      while ((await sys.getState<{ data: Data }>(ctx, pid)).data.waiting !== null) await ctx.sleep(5);
      out.push(ctx.processInfo(ctx.self())!.messageQueueLen);
      return out;
    });
    assert.deepEqual(got, ['now', 'released', 'direct', 0]);
  });
});

test('a bad return, a bad action or a missing state handler crashes with a crash report', async () => {
  const mod: GenStatem<string, { n: number }, never, 'boom' | 'badAction' | 'nowhere', never, void> = {
    name: 'fragile',
    callbackMode: 'stateFunctions',
    init: () => ok('idle', { n: 1 }),
    states: {
      idle(event, data) {
        if (event.type !== 'cast') return keepStateAndData();
        if (event.content === 'boom') return { type: 'nonsense' } as never;
        if (event.content === 'badAction') return keepStateAndData([{ bogus: 1 } as never]);
        return nextState('nowhere', data, [nextEvent('x')]);
      },
    },
  };
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const got = await node.run(async (ctx) => {
      const out: unknown[] = [];
      for (const cmd of ['boom', 'badAction', 'nowhere'] as const) {
        const pid = await genStatem.start(ctx, mod, undefined);
        const reason = await downReason(ctx, pid, () => genStatem.cast(ctx, pid, cmd));
        out.push(reason instanceof BadReturnValue ? `bad ${reason.callback}` : (reason as Error).message);
      }
      return out;
    });
    assert.deepEqual(got, ['bad states.idle', 'bad states.idle', "fragile has no handler for state 'nowhere'"]);
    const crash = logs.find((e) => typeof e.message === 'object' && e.message.kind === 'crash');
    assert.ok(crash, 'a crash report was logged');
    const report = crash.message as unknown as { behaviour: string; state: unknown; data: unknown; lastMessage: unknown };
    assert.deepEqual([report.behaviour, report.state, report.data, report.lastMessage], ['gen_statem', 'idle', { n: 1 }, { type: 'cast', content: 'boom' }]);
  });
});

test('init may stop, ignore, crash, return nonsense or name no callback mode: start throws StartError', async () => {
  type Mod = GenStatem<string, null, never, never, never, void>;
  const base = { callbackMode: 'handleEvent', handleEvent: () => keepStateAndData() } as const;
  const mods: Mod[] = [
    { ...base, init: () => genStatem.stop('bad config') },
    { ...base, init: () => genStatem.ignore() },
    { ...base, init: () => { throw new Error('init threw'); } },
    { ...base, init: () => ok('s', null, [{ timeout: -1 }]) },
    { ...base, callbackMode: 'nonsense', init: () => ok('s', null) } as unknown as Mod,
  ];
  await withNode(async (node) => {
    quietLogs(node);
    const got = await node.run(async (ctx) => {
      const out: unknown[] = [];
      for (const mod of mods) {
        try {
          await genStatem.start(ctx, mod, undefined, { name: 'm' });
          out.push('started');
        } catch (e) {
          const r = (e as StartError).reason;
          out.push(r instanceof BadReturnValue ? `bad ${r.callback}` : r instanceof Error ? r.message : r);
        }
        out.push(ctx.whereis('m') === undefined);
      }
      return out;
    });
    assert.deepEqual(got, ['bad config', true, 'ignore', true, 'init threw', true, 'bad init', true, "gen_statem: callbackMode must be 'stateFunctions' or 'handleEvent', got 'nonsense'", true]);
  });
});

test('sys: getState, replaceState, getStatus with formatStatus, suspend/resume and changeCode with codeChange', async () => {
  type Data = { count: number; secret: string };
  const v1: GenStatem<'on' | 'off', Data, 'get', never, number, void> = {
    name: 'switch',
    callbackMode: 'stateFunctions',
    init: () => ok('off', { count: 1, secret: 'hunter2' }),
    states: {
      on: (event, data) => (event.type === 'call' ? keepStateAndData([reply(event.from, data.count)]) : keepStateAndData()),
      off: (event, data) => (event.type === 'call' ? keepStateAndData([reply(event.from, -data.count)]) : keepStateAndData()),
    },
    formatStatus: (status) => ({ ...status, data: { ...status.data, secret: '***' } }),
  };
  const v2: typeof v1 = { ...v1, name: 'switch2', codeChange: (oldVsn, state, data) => ({ state: state === 'off' ? 'on' : 'off', data: { ...data, count: data.count + (oldVsn === '1.0' ? 100 : 0) } }) };
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genStatem.startLink(ctx, v1, undefined);
      assert.deepEqual(await sys.getState(ctx, pid), { state: 'off', data: { count: 1, secret: 'hunter2' } });
      await sys.replaceState(ctx, pid, (s: { state: string; data: Data }) => ({ ...s, data: { ...s.data, count: 2 } }));
      await assert.rejects(sys.replaceState(ctx, pid, () => 'not a state and data'), /must be replaced by \{ state, data \}/);
      const status = await sys.getStatus(ctx, pid);
      assert.deepEqual([status.behaviour, status.module, status.status, status.state], ['gen_statem', 'switch', 'running', { state: 'off', data: { count: 2, secret: '***' } }]);
      await sys.suspend(ctx, pid);
      const me = ctx.self();
      ctx.spawn(async (c) => c.send(me, { answer: await genStatem.call(c, pid, 'get', 1000) }));
      await waitFor('the call to wait in the mailbox', () => ctx.processInfo(pid)!.messageQueueLen > 0);
      // The machine answers this system message after the call arrived: by then it has had its chance to handle it.
      assert.equal((await sys.getStatus(ctx, pid)).status, 'suspended');
      assert.equal(ctx.processInfo(ctx.self())!.messageQueueLen, 0, 'a suspended machine handles no event');
      assert.equal(ctx.processInfo(pid)!.messageQueueLen, 1);
      await sys.changeCode(ctx, pid, v2, '1.0');
      await sys.resume(ctx, pid);
      assert.deepEqual(await ctx.receive(), { answer: 102 });
      assert.equal((await sys.getStatus(ctx, pid)).module, 'switch2');
    });
  });
});

test('terminate runs on stop, after stopAndReply answers, and on the parent\'s exit when trapping', async () => {
  const terminated: unknown[] = [];
  const mod: GenStatem<'s', string, 'quit', never, string, boolean> = {
    callbackMode: 'handleEvent',
    init: (trap, ctx) => {
      ctx.trapExit(trap);
      return ok('s', 'data');
    },
    handleEvent: (event) => (event.type === 'call' ? genStatem.stopAndReply('normal', reply(event.from, 'bye'), 'last data') : keepStateAndData()),
    terminate: (reason, state, data) => {
      terminated.push([reason, state, data]);
    },
  };
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, mod, false);
      await genStatem.stop(ctx, pid, 'shutdown');
      assert.equal(ctx.isAlive(pid), false);
      await assert.rejects(genStatem.stop(ctx, pid), (e: CallError) => e.failure === 'noproc');
      const other = await genStatem.start(ctx, mod, false);
      assert.equal(await genStatem.call(ctx, other, 'quit'), 'bye');
    });
    let child: Pid | undefined;
    const parent = node.spawn(async (ctx) => {
      child = await genStatem.startLink(ctx, mod, true);
      await ctx.receive();
    });
    while (child === undefined) await new Promise((r) => setImmediate(r));
    node.exit(parent, 'shutdown');
    await waitFor('the three terminate callbacks', () => terminated.length >= 3);
    assert.deepEqual(terminated, [
      ['shutdown', 's', 'data'],
      ['normal', 's', 'last data'],
      ['shutdown', 's', 'data'],
    ]);
  });
});

test('the compiler checks requests, replies, init arguments and state names against the module', async () => {
  type Call = { op: 'get' } | { op: 'add'; n: number };
  const typed: GenStatem<'s', number, Call, 'reset', number, number> = {
    callbackMode: 'stateFunctions',
    init: (n) => ok('s', n),
    states: { s: (e, n) => (e.type === 'call' ? keepStateAndData([reply(e.from, n)]) : keepStateAndData()) },
  };
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const pid = await genStatem.startLink(ctx, typed, 7);
      if (Math.random() < 0) {
        // @ts-expect-error a request outside Call is refused
        await genStatem.call(ctx, pid, { op: 'mul' });
        // @ts-expect-error the reply is a number
        const text: string = await genStatem.call(ctx, pid, { op: 'get' });
        // @ts-expect-error a cast outside Cast is refused
        genStatem.cast(ctx, pid, 'explode');
        // @ts-expect-error init's argument is a number
        await genStatem.startLink(ctx, typed, 'seven');
        void text;
      }
      const n: number = await genStatem.call(ctx, pid, { op: 'get' });
      return n;
    });
    assert.equal(got, 7);
  });
  const misfits: Array<GenStatem<'s' | 't', number, Call, never, number, void>> = [
    // @ts-expect-error every state needs a handler
    { callbackMode: 'stateFunctions', init: () => ok('s', 0), states: { s: () => keepStateAndData() } },
    // @ts-expect-error the next state must be a state of the machine
    { callbackMode: 'handleEvent', init: () => ok('s', 0), handleEvent: (_e, _s, n) => nextState('u', n) },
    // @ts-expect-error replies must be numbers
    { callbackMode: 'handleEvent', init: () => ok('s', 0), handleEvent: (e) => (e.type === 'call' ? keepStateAndData([reply(e.from, 'x')]) : keepStateAndData()) },
  ];
  assert.equal(misfits.length, 3);
});

test('processInfo shows gen_statem.loop while a machine waits and the state function or handleEvent while one runs', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const block = async (c: ProcessContext) => {
        c.send(me, 'inside');
        await c.receive((m) => m === 'release');
      };
      const byState: GenStatem<'idle', null, never, 'go'> = {
        name: 'turnstile',
        callbackMode: 'stateFunctions',
        init: () => ok('idle', null),
        states: {
          async idle(_event, _data, c) {
            await block(c);
            return keepStateAndData();
          },
        },
      };
      const byEvent: GenStatem<number, null, never, 'go'> = {
        name: 'counter_fsm',
        callbackMode: 'handleEvent',
        init: () => ok(0, null),
        async handleEvent(_event, _state, _data, c) {
          await block(c);
          return keepStateAndData();
        },
      };
      for (const [mod, inside] of [[byState, 'turnstile.states.idle'], [byEvent, 'counter_fsm.handleEvent']] as const) {
        const pid = await genStatem.start(ctx, mod as GenStatem<unknown, null, never, 'go'>, undefined);
        assert.equal(ctx.processInfo(pid)!.currentFunction, 'gen_statem.loop');
        genStatem.cast(ctx, pid, 'go');
        await ctx.receive((m) => m === 'inside');
        assert.equal(ctx.processInfo(pid)!.currentFunction, inside);
        ctx.send(pid, 'release');
        await waitFor('the machine to be back in its loop', () => ctx.processInfo(pid)!.currentFunction === 'gen_statem.loop');
      }
    });
  });
});

test('a machine killed right after its receive took a cast handles nothing more: no callback runs after its death', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const handled: string[] = [];
      const machine: GenStatem<'idle', null, 'sync', string, 'synced'> = {
        name: 'killed_fsm',
        callbackMode: 'stateFunctions',
        init: () => ok('idle', null),
        states: {
          idle(event) {
            if (event.type === 'cast') handled.push(event.content);
            return event.type === 'call' ? keepStateAndData([reply(event.from, 'synced')]) : keepStateAndData();
          },
        },
      };
      const pid = await genStatem.start(ctx, machine, undefined);
      genStatem.cast(ctx, pid, 'before');
      assert.equal(await genStatem.call(ctx, pid, 'sync'), 'synced');
      await new Promise<void>((resolve) => setImmediate(resolve)); // the machine settles its reply and waits in receive
      // The cast is taken by the waiting receive at once; the kill lands before the machine's loop resumes.
      const reason = await downReason(ctx, pid, () => {
        genStatem.cast(ctx, pid, 'after');
        ctx.exit(pid, 'kill');
      });
      assert.equal(reason, 'killed');
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.deepEqual(handled, ['before']);
    }),
  );
});
