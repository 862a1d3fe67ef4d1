// Cases after OTP's lib/stdlib/test/gen_statem_SUITE.erl (state_enter, timeout_cancel_and_update, loop_start_fail,
// abnormal3, abnormal4) that the other gen_statem suites do not walk, each named after its case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadReturnValue, CallError, StartError, TIMEOUT, genStatem, isExit, sys, type GenStatem, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;
const { keepState, keepStateAndData, nextState, repeatState, repeatStateAndData, stopAndReply, reply, eventTimeout, stateTimeout, genericTimeout, nextEvent } = genStatem;

// Everything in the mailbox now, oldest first.
async function flush(ctx: ProcessContext): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    const m = await ctx.receive(null, 0);
    if (m === TIMEOUT) return out;
    out.push(m);
  }
}

// Waits (with a deadline) until `count` messages that are not EXITs have arrived, and returns them.
async function take(ctx: ProcessContext, count: number): Promise<unknown[]> {
  const out: unknown[] = [];
  while (out.length < count) {
    const m = await ctx.receive((x) => !isExit(x), WAIT);
    assert.notEqual(m, TIMEOUT, `only ${out.length} of ${count} messages came: ${JSON.stringify(out)}`);
    out.push(m);
  }
  return out;
}

type EnterState = 'start' | 'wait';
type EnterCall = 'echo' | 'repeat' | { stop: string };

// OTP's state_enter machine: the data counts the callbacks made, and each callback tells the test what it saw.
function enterMachine(test: Pid): GenStatem<EnterState, number, EnterCall, never, unknown> {
  return {
    name: 'state_enter',
    callbackMode: 'stateFunctions',
    stateEnter: true,
    init: () => genStatem.ok('start', 1),
    states: {
      start(e, n, ctx) {
        if (e.type === 'enter') {
          ctx.send(test, [n, 'enter', 'start', e.oldState]);
          return keepState(n + 1);
        }
        if (e.type === 'internal') {
          ctx.send(test, [n, 'internal', 'start', e.content]);
          return keepState(n + 1);
        }
        if (e.type !== 'call') throw new Error(`start got ${e.type}`);
        if (e.content === 'repeat') return repeatState(n + 1, [reply(e.from, [n, 'repeat', 'start'])]);
        if (e.content === 'echo') return nextState('wait', n + 1, [reply(e.from, [n, 'echo', 'start']), eventTimeout(0, n)]);
        return stopAndReply(e.content.stop, [reply(e.from, [n, 'stop'])], n + 1);
      },
      wait(e, n, ctx) {
        // An enter call may itself repeat the state: the enter call runs again, with the same old state.
        if (e.type === 'enter' && n < 5) {
          ctx.send(test, [n, 'enter', e.oldState]);
          return repeatState(n + 1, [eventTimeout(0, n), stateTimeout(0, n)]);
        }
        if (e.type === 'enter') {
          ctx.send(test, [n, 'enter', 'wait', e.oldState]);
          return keepState(n + 1, [eventTimeout(0, n), stateTimeout(0, n)]);
        }
        if (e.type === 'timeout' || e.type === 'stateTimeout') {
          ctx.send(test, [n, e.type, e.content]);
          return keepState(n + 1);
        }
        if (e.type !== 'call') throw new Error(`wait got ${e.type}`);
        if (e.content === 'repeat') return repeatStateAndData([reply(e.from, [n, 'repeat', 'wait']), eventTimeout(0, n)]);
        if (e.content === 'echo') return nextState('start', n + 1, [nextEvent('wait'), reply(e.from, [n, 'echo', 'wait'])]);
        throw new Error('wait got a stop');
      },
    },
  };
}

test('gen_statem_SUITE state_enter: enter calls run on each state change and repeat, an enter call may repeat itself, and their zero timeouts fire in order', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const pid = await genStatem.startLink(ctx, enterMachine(ctx.self()), undefined);
      assert.deepEqual(await take(ctx, 1), [[1, 'enter', 'start', 'start']]);
      assert.deepEqual(await genStatem.call(ctx, pid, 'echo'), [2, 'echo', 'start']);
      // The enter call of wait repeats itself twice (3, 4), then the last one's zero timeouts fire: the event timeout first.
      assert.deepEqual(await take(ctx, 5), [
        [3, 'enter', 'start'],
        [4, 'enter', 'start'],
        [5, 'enter', 'wait', 'start'],
        [6, 'timeout', 5],
        [7, 'stateTimeout', 5],
      ]);
      assert.deepEqual(await sys.getState(ctx, pid), { state: 'wait', data: 8 });
      // repeatStateAndData: the enter call runs with the state as its own old state; its event timeout replaces the call's.
      assert.deepEqual(await genStatem.call(ctx, pid, 'repeat'), [8, 'repeat', 'wait']);
      assert.deepEqual(await take(ctx, 3), [
        [8, 'enter', 'wait', 'wait'],
        [9, 'timeout', 8],
        [10, 'stateTimeout', 8],
      ]);
      // A state change runs the enter call before the inserted event.
      assert.deepEqual(await genStatem.call(ctx, pid, 'echo'), [11, 'echo', 'wait']);
      assert.deepEqual(await take(ctx, 2), [
        [12, 'enter', 'start', 'wait'],
        [13, 'internal', 'start', 'wait'],
      ]);
      assert.deepEqual(await genStatem.call(ctx, pid, 'repeat'), [14, 'repeat', 'start']);
      assert.deepEqual(await take(ctx, 1), [[15, 'enter', 'start', 'start']]);
      assert.deepEqual(await genStatem.call(ctx, pid, { stop: 'shutdown' }), [16, 'stop']);
      const exit = await ctx.receive((m) => isExit(m) && m.from === pid, WAIT);
      assert.ok(isExit(exit) && exit.reason === 'shutdown');
      await assert.rejects(genStatem.call(ctx, pid, 'echo'), (e) => e instanceof CallError && e.failure === 'noproc');
      assert.deepEqual(await flush(ctx), []);
    });
  });
});

type CancelState = 'start' | 'state1' | 'state2' | 'state3';

// Waits in the machine itself until a message (a fired timer's) is in its own mailbox: the polling has a deadline.
async function untilMailboxHolds(ctx: ProcessContext): Promise<void> {
  const deadline = performance.now() + WAIT;
  while ((ctx.processInfo(ctx.self())?.messageQueueLen ?? 0) === 0) {
    if (performance.now() > deadline) throw new Error('no timer fired');
    await ctx.receive(() => false, 1);
  }
}

// OTP's timeout_cancel_and_update machine: a cancel, an update of a generic timeout still running and of a state
// timeout whose timer already fired (its message waiting in the mailbox), which is delivered with the new content.
const cancelAndUpdate: GenStatem<CancelState, unknown, 'test' | 'stop', never, string> = {
  name: 'timeout_cancel_and_update',
  callbackMode: 'handleEvent',
  init: () => genStatem.ok('start', 0),
  async handleEvent(e, state, data, ctx) {
    if (state === 'start' && e.type === 'call' && e.content === 'test') {
      ctx.send(ctx.self(), 'message_to_self');
      return nextState('state1', e.from, [stateTimeout(17, 1), nextEvent(1)]);
    }
    if (state === 'state1' && e.type === 'internal') return keepStateAndData([stateTimeout('cancel'), genericTimeout('a', 17, 1)]);
    if (state === 'state1' && e.type === 'info') return keepStateAndData([genericTimeout('a', 'update', 'a')]);
    if (state === 'state1' && e.type === 'genericTimeout' && e.content === 'a') return nextState('state2', data, [stateTimeout(17, 2), nextEvent(2)]);
    if (state === 'state2' && e.type === 'internal') {
      await untilMailboxHolds(ctx); // the state timeout of 17 ms has fired by now
      return keepStateAndData([stateTimeout('update', 'b'), eventTimeout(17, 2)]);
    }
    if (state === 'state2' && e.type === 'stateTimeout' && e.content === 'b') return nextState('state3', 3, [reply(data as never, 'ok'), eventTimeout(17_000, 17_000)]);
    if (state === 'state3' && e.type === 'call' && e.content === 'stop') return stopAndReply('normal', [reply(e.from, 'ok')]);
    throw new Error(`${state} got ${e.type} ${JSON.stringify('content' in e ? e.content : null)}`);
  },
};

test('gen_statem_SUITE timeout_cancel_and_update: a cancelled state timeout never fires, an updated generic timeout fires with its new content, and an update of a timer already fired changes the content it delivers', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const pid = await genStatem.startLink(ctx, cancelAndUpdate, undefined);
      assert.equal(await genStatem.call(ctx, pid, 'test', WAIT), 'ok');
      // Only the event timeout of 17 s is left running; the event timeout of 17 ms was cancelled by the state timeout's event.
      assert.deepEqual((await sys.getStatus(ctx, pid)).timeouts, [{ type: 'timeout', content: 17_000 }]);
      assert.equal(await genStatem.call(ctx, pid, 'stop'), 'ok');
      const exit = await ctx.receive((m) => isExit(m) && m.from === pid, WAIT);
      assert.ok(isExit(exit) && exit.reason === 'normal');
      assert.deepEqual(await flush(ctx), []);
    });
    assert.deepEqual(logs, [], 'nothing crashed');
  });
});

type InitAs = 'stop' | 'ignore' | 'badReturn' | 'throw' | 'exit' | 'slow';

// OTP's loop_start_fail machine: its init fails in the way its argument names.
const failing: GenStatem<'s', null, never, never, unknown, InitAs> = {
  name: 'loop_start_fail',
  callbackMode: 'handleEvent',
  async init(how, ctx) {
    if (how === 'stop') return genStatem.stop('failed_to_start');
    if (how === 'ignore') return genStatem.ignore();
    if (how === 'badReturn') return 4711 as never;
    if (how === 'throw') throw new Error('bailout');
    if (how === 'exit') ctx.exit('bailout');
    await ctx.receive(() => false, WAIT);
    return genStatem.ok('s', null);
  },
  handleEvent: () => keepStateAndData(),
};

test('gen_statem_SUITE loop_start_fail: start, startLink and startMonitor of an init that stops, ignores, returns nonsense, crashes or outlasts the timeout fail the same way five times over, leaving no EXIT or DOWN behind', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const starts = {
        start: (how: InitAs, timeout?: number) => genStatem.start(ctx, failing, how, { timeout }),
        startLink: (how: InitAs, timeout?: number) => genStatem.startLink(ctx, failing, how, { timeout }),
        startMonitor: (how: InitAs, timeout?: number) => genStatem.startMonitor(ctx, failing, how, { timeout }),
      };
      const expected: Array<[InitAs, number | undefined, (reason: unknown) => boolean]> = [
        ['stop', undefined, (r) => r === 'failed_to_start'],
        ['ignore', undefined, (r) => r === 'ignore'],
        ['badReturn', undefined, (r) => r instanceof BadReturnValue && r.value === 4711],
        ['throw', undefined, (r) => r instanceof Error && r.message === 'bailout'],
        ['exit', undefined, (r) => r === 'bailout'],
        ['slow', 50, (r) => r === 'timeout'],
      ];
      for (const [kind, start] of Object.entries(starts)) {
        for (const [how, timeout, check] of expected) {
          for (let i = 0; i < 5; i++) {
            await assert.rejects(start(how, timeout), (e) => e instanceof StartError && check(e.reason), `${kind} of an init that does ${how}`);
          }
        }
      }
      assert.deepEqual(await flush(ctx), [], 'no EXIT and no DOWN of a machine that failed to start');
    });
  });
});

// A machine whose call handler answers with the action or result it is asked for.
const abnormal: GenStatem<'s', null, { result: unknown } | { action: unknown }, never, unknown> = {
  name: 'abnormal',
  callbackMode: 'handleEvent',
  init: () => genStatem.ok('s', null),
  handleEvent(e) {
    if (e.type !== 'call') return keepStateAndData();
    if ('result' in e.content) return e.content.result as never;
    return keepStateAndData([e.content.action as never]);
  },
};

test('gen_statem_SUITE abnormal2 / abnormal3 / abnormal4: a bad result, a bad action or a bad timeout action ends the machine with a bad return value, seen by the caller and the linked process', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const bad: unknown[] = [{ result: 'badreturn' }, { action: 'badaction' }, { action: { badtimeout: 4711 } }, { action: { timeout: -1 } }, { action: { stateTimeout: 'soon' } }, { action: { genericTimeout: 'g', ms: 1.5 } }];
      for (const request of bad) {
        const pid = await genStatem.startLink(ctx, abnormal, undefined);
        await assert.rejects(genStatem.call(ctx, pid, request as never), (e) => e instanceof CallError && e.failure instanceof BadReturnValue, JSON.stringify(request));
        const exit = await ctx.receive((m) => isExit(m) && m.from === pid, WAIT);
        assert.ok(isExit(exit) && exit.reason instanceof BadReturnValue, JSON.stringify(request));
      }
      assert.deepEqual(await flush(ctx), []);
    });
  });
});

test("gen_statem_SUITE callback_mode: callbackMode() may list the mode and 'stateEnter' in any order, 'stateEnter' more than once, or the mode alone, as OTP's callback_mode/0; a list without a mode or with anything else fails the start", async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const startWith = async (mode: unknown): Promise<unknown> => {
        const seen: string[] = [];
        const machine = {
          callbackMode: () => mode,
          init: () => genStatem.ok('s', null),
          handleEvent: (e: { type: string; from?: unknown }) => {
            seen.push(e.type);
            return e.type === 'call' ? keepStateAndData([reply(e.from as never, seen)]) : keepStateAndData();
          },
        } as never;
        return genStatem.start(ctx, machine, undefined).then(
          (pid) => genStatem.call(ctx, pid, 'events'),
          (e: unknown) => (e instanceof StartError && e.reason instanceof BadReturnValue ? 'bad' : e),
        );
      };
      assert.deepEqual(await startWith(['stateEnter', 'handleEvent']), ['enter', 'call']);
      assert.deepEqual(await startWith(['handleEvent', 'stateEnter']), ['enter', 'call']);
      assert.deepEqual(await startWith(['handleEvent', 'stateEnter', 'stateEnter']), ['enter', 'call']);
      assert.deepEqual(await startWith(['handleEvent']), ['call']);
      for (const bad of [[], ['stateEnter'], ['handleEvent', 'state_enter'], 'stateEnter']) assert.equal(await startWith(bad), 'bad', JSON.stringify(bad));
    });
  });
});

test('gen_statem_SUITE: reply/1 — sendReply with a list of reply actions answers every held call at once; a bad element is badarg and answers none', async () => {
  await withNode(async (node) => {
    type Req = 'hold' | 'release' | 'bad';
    const m: GenStatem<'s', genStatem.ReplyAction<string>[], Req, never, string> = {
      callbackMode: 'handleEvent',
      init: () => genStatem.ok('s', []),
      handleEvent: (e, _s, held) => {
        if (e.type !== 'call') return keepStateAndData();
        if ((e.content as string) === 'count') return keepStateAndData([reply(e.from, String(held.length))]);
        if (e.content === 'hold') return keepState([...held, reply(e.from, `answer ${held.length}`)]);
        if (e.content === 'bad') {
          try {
            genStatem.sendReply([...held, { reply: ['not a from', 'x'] }] as never);
          } catch (error) {
            return keepStateAndData([reply(e.from, (error as Error).message)]);
          }
          return keepStateAndData([reply(e.from, 'no error')]);
        }
        genStatem.sendReply(held);
        genStatem.sendReply(reply(e.from, 'released'));
        return keepState([]);
      },
    };
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, m, undefined);
      const me = ctx.self();
      // Each caller is its own process (one process waits for one call at a time); their calls are held in order.
      for (let i = 0; i < 3; i++) {
        ctx.spawn(async (c) => c.send(me, { held: i, answer: await genStatem.call(c, pid, 'hold', WAIT) }));
        while ((await genStatem.call(ctx, pid, 'count' as never, WAIT)) !== String(i + 1)) await ctx.sleep(1);
      }
      const bad = await genStatem.call(ctx, pid, 'bad', WAIT);
      assert.match(bad, /^sendReply takes .*element 3 is .*no reply was sent$/);
      assert.deepEqual(await genStatem.call(ctx, pid, 'release', WAIT), 'released');
      const answers: unknown[] = [];
      for (let i = 0; i < 3; i++) answers.push(await ctx.receive((x): x is { held: number; answer: string } => typeof x === 'object' && x !== null && 'held' in x, WAIT));
      assert.deepEqual(answers.map((a) => (a as { answer: string }).answer).sort(), ['answer 0', 'answer 1', 'answer 2'], 'each held call answered once, by the list');
      assert.equal(await ctx.receive(null, 0), TIMEOUT, 'no second answer');
    });
  });
});

test('gen_statem_SUITE / gen_statem docs: a result a callback throws (class throw) is taken as its return — from init, from a state function and from an enter call; a thrown Error still crashes', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const log: string[] = [];
      const move = (to: 'b', n: number): never => {
        throw nextState(to, n + 1, [reply(pending!, `moved to ${to}`)]);
      };
      let pending: Parameters<typeof reply>[0] | undefined;
      const machine: GenStatem<'a' | 'b', number, 'go' | 'get' | 'crash' | 'bye', never, string, 'ok' | 'ignore'> = {
        callbackMode: 'stateFunctions',
        stateEnter: true,
        init: (how) => {
          if (how === 'ignore') throw genStatem.ignore();
          throw genStatem.ok('a', 0);
        },
        states: {
          a: async (e, n) => {
            if (e.type === 'enter') return keepStateAndData();
            if (e.type === 'call' && e.content === 'go') {
              pending = e.from;
              move('b', n);
            }
            if (e.type === 'call' && e.content === 'get') throw keepStateAndData([reply(e.from, `a ${n}`)]);
            return keepStateAndData();
          },
          b: (e, n) => {
            if (e.type === 'enter') {
              log.push(`enter b from ${String(e.oldState)}`);
              throw keepState(n * 10);
            }
            if (e.type === 'call' && e.content === 'get') return keepStateAndData([reply(e.from, `b ${n}`)]);
            if (e.type === 'call' && e.content === 'bye') throw stopAndReply('normal', [reply(e.from, 'bye')]);
            if (e.type === 'call' && e.content === 'crash') throw Object.assign(new Error('an Error with a type'), { type: 'keepStateAndData' });
            return keepStateAndData();
          },
        },
      };
      await assert.rejects(genStatem.start(ctx, machine, 'ignore'), (e: StartError) => e instanceof StartError && e.reason === 'ignore');
      const pid = await genStatem.start(ctx, machine, 'ok');
      assert.equal(await genStatem.call(ctx, pid, 'get'), 'a 0');
      assert.equal(await genStatem.call(ctx, pid, 'go'), 'moved to b');
      // The reply went with the transition, before the enter call ran: the next call comes after it.
      assert.equal(await genStatem.call(ctx, pid, 'get'), 'b 10');
      assert.deepEqual(log, ['enter b from a']);
      assert.equal(await genStatem.call(ctx, pid, 'bye'), 'bye');
      const other = await genStatem.start(ctx, machine, 'ok');
      await genStatem.call(ctx, other, 'go');
      await assert.rejects(genStatem.call(ctx, other, 'crash'), (e: CallError) => e instanceof CallError && e.failure instanceof Error && e.failure.message === 'an Error with a type');
    });
  });
});
