// More cases mirroring OTP's lib/stdlib/test/gen_statem_SUITE.erl, each named after the case it follows
// (postpone, state enter, same-state transitions, timeouts across state changes, stop and reply; the
// event orders were checked in erl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, CallError, StartError, BadReturnValue, isDown, type GenStatem, type Pid } from '@otp-ts/runtime';
import { withNode, quietLogs, leftovers, isNote, notes } from './helpers.ts';

const { ok, ignore, nextState, keepState, keepStateAndData, repeatStateAndData, stopAndReply, reply, eventTimeout, stateTimeout, genericTimeout, nextEvent, postpone } = genStatem;
const WAIT = 20_000;

/** OTP's case machine: reports every event to the test (`data`) and acts on casts by name. */
const reporter: GenStatem<string, Pid, string, string, string, Pid> = {
  name: 'gen_statem_SUITE',
  callbackMode: () => ['handleEvent', 'stateEnter'],
  init: (test) => ok('a', test),
  handleEvent(event, state, test, ctx) {
    const say = (note: string): void => ctx.send(test, { note });
    if (event.type === 'enter') {
      say(`enter ${String(event.oldState)}->${state}`);
      return keepStateAndData();
    }
    const content = 'content' in event ? String(event.content) : '';
    if (event.type === 'cast' && (content === 'p1' || content === 'p2') && state === 'a') {
      say(`postponed ${content}`);
      return keepStateAndData([postpone]);
    }
    if (event.type === 'call' && content === 'wait_for_b' && state === 'a') {
      say('postponed call');
      return keepStateAndData([postpone]);
    }
    if (event.type === 'call') return keepStateAndData([reply(event.from, `${content} in ${state}`)]);
    say(`${event.type} ${content} in ${state}`);
    if (event.type !== 'cast') return keepStateAndData();
    switch (content) {
      case 'same':
        return nextState(state, test, [stateTimeout(30, 'st')]);
      case 'same2':
        return nextState(state, test);
      case 'repeat':
        return repeatStateAndData();
      case 'go_b':
        return nextState('b', test, [nextEvent('ins1'), nextEvent('ins2')]);
      case 'go_a':
        return nextState('a', test);
      case 'arm_state_timeout':
        return keepStateAndData([stateTimeout(30, 'st')]);
      case 'arm_event_timeout':
        return keepStateAndData([eventTimeout(30, 'et')]);
      case 'arm_generic':
        return keepStateAndData([genericTimeout('g', 60, 'gt')]);
      case 'marker':
        return keepStateAndData([genericTimeout('m', 200, 'marker')]);
      default:
        return keepStateAndData();
    }
  },
};

test('gen_statem_SUITE: postpone / state_enter — postponed events wait for a real state change; next_state to the same state, repeat_state and keep_state retry nothing', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, reporter, ctx.self());
      for (const c of ['p1', 'p2', 'same', 'same2', 'repeat']) genStatem.cast(ctx, pid, c);
      assert.deepEqual(await notes(ctx, 8), [
        'enter a->a',
        'postponed p1',
        'postponed p2',
        'cast same in a',
        'cast same2 in a',
        'cast repeat in a',
        'enter a->a',
        // The state timeout set by the same-state transition survived it and the repeat: neither is a state change.
        'stateTimeout st in a',
      ]);
      genStatem.cast(ctx, pid, 'go_b');
      // On a state change the inserted events come first, then the postponed ones in their order.
      assert.deepEqual(await notes(ctx, 6), ['cast go_b in a', 'enter a->b', 'internal ins1 in b', 'internal ins2 in b', 'cast p1 in b', 'cast p2 in b']);
    });
  });
});

test('gen_statem_SUITE: postpone — a postponed call is answered after the state change, through its original from', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, reporter, ctx.self());
      const me = ctx.self();
      ctx.spawn(async (c) => {
        c.send(me, { answer: await genStatem.call(c, pid, 'wait_for_b', WAIT) });
      });
      await notes(ctx, 2); // enter, postponed call
      genStatem.cast(ctx, pid, 'go_b');
      const m = await ctx.receive((x) => typeof x === 'object' && x !== null && 'answer' in x, WAIT);
      assert.deepEqual(m, { answer: 'wait_for_b in b' });
    });
  });
});

test('gen_statem_SUITE: state_timeout — a state change cancels the state timeout; a generic timeout survives it', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, reporter, ctx.self());
      for (const c of ['arm_state_timeout', 'arm_generic', 'go_b', 'marker']) genStatem.cast(ctx, pid, c);
      const got = await notes(ctx, 9);
      assert.deepEqual(got, [
        'enter a->a',
        'cast arm_state_timeout in a',
        'cast arm_generic in a',
        'cast go_b in a',
        'enter a->b',
        'internal ins1 in b',
        'internal ins2 in b',
        'cast marker in b',
        'genericTimeout gt in b',
      ]);
      assert.deepEqual(await notes(ctx, 1), ['genericTimeout marker in b'], 'no state timeout fired after the state change');
    });
  });
});

test('gen_statem_SUITE: event_timeout — any event cancels a pending event timeout, an info message too', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, reporter, ctx.self());
      genStatem.cast(ctx, pid, 'arm_event_timeout');
      ctx.send(pid, 'hello');
      genStatem.cast(ctx, pid, 'marker');
      assert.deepEqual(await notes(ctx, 5), ['enter a->a', 'cast arm_event_timeout in a', 'info hello in a', 'cast marker in a', 'genericTimeout marker in a']);
      assert.deepEqual((await leftovers(ctx)).filter(isNote), [], 'the event timeout never fired');
    });
  });
});

test('gen_statem_SUITE: state_enter — an enter call that changes state or postpones crashes the machine with a bad return', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      for (const bad of ['change', 'postpone', 'insert'] as const) {
        const m: GenStatem<string, null, never, 'go', never, void> = {
          callbackMode: () => ['handleEvent', 'stateEnter'],
          init: () => ok('a', null),
          handleEvent(event, state) {
            if (event.type === 'enter' && state === 'b') {
              if (bad === 'change') return nextState('c', null);
              if (bad === 'postpone') return keepStateAndData([postpone]);
              return keepStateAndData([nextEvent('x')]);
            }
            if (event.type === 'cast') return nextState('b', null);
            return keepStateAndData();
          },
        };
        const pid = await genStatem.start(ctx, m, undefined);
        const ref = ctx.monitor(pid);
        genStatem.cast(ctx, pid, 'go');
        const down = await ctx.receive((x) => isDown(x, ref), WAIT);
        assert.ok((down as { reason: unknown }).reason instanceof BadReturnValue, `${bad} in an enter call`);
      }
    });
  });
});

test('gen_statem_SUITE: stop_and_reply — the caller gets its reply and the machine exits with the reason after terminate', async () => {
  await withNode(async (node) => {
    const events: string[] = [];
    await node.run(async (ctx) => {
      const m: GenStatem<string, null, 'stop', never, string, void> = {
        callbackMode: 'handleEvent',
        init: () => ok('a', null),
        handleEvent: (event) => (event.type === 'call' ? stopAndReply('done', [reply(event.from, 'bye')]) : keepStateAndData()),
        terminate: (reason) => void events.push(`terminate ${String(reason)}`),
      };
      const pid = await genStatem.start(ctx, m, undefined);
      const ref = ctx.monitor(pid);
      assert.equal(await genStatem.call(ctx, pid, 'stop'), 'bye');
      const down = await ctx.receive((x) => isDown(x, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'done');
    });
    assert.deepEqual(events, ['terminate done']);
  });
});

test('gen_statem_SUITE: start — init stop and ignore are what start answers; stop of a dead machine raises noproc', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const stopping: GenStatem<string, null, never, never, never, 'stop' | 'ignore'> = {
        callbackMode: 'handleEvent',
        init: (how) => (how === 'stop' ? genStatem.stop('stopped') : ignore()),
        handleEvent: () => keepStateAndData(),
      };
      await assert.rejects(genStatem.start(ctx, stopping, 'stop'), (e: StartError) => e instanceof StartError && e.reason === 'stopped');
      await assert.rejects(genStatem.start(ctx, stopping, 'ignore'), (e: StartError) => e instanceof StartError && e.reason === 'ignore');
      const pid = await genStatem.start(ctx, reporter, ctx.self());
      await genStatem.stop(ctx, pid);
      await assert.rejects(genStatem.stop(ctx, pid), (e: CallError) => e instanceof CallError && e.failure === 'noproc');
    });
  });
});

test('gen_statem_SUITE: call timeout — a call that times out raises timeout and its late reply never reaches the mailbox', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const slow: GenStatem<string, null, number, never, string, void> = {
        callbackMode: 'handleEvent',
        init: () => ok('a', null),
        async handleEvent(event, _s, _d, c) {
          if (event.type !== 'call') return keepStateAndData();
          await c.sleep(event.content);
          return keepState(null, [reply(event.from, 'late')]);
        },
      };
      const pid = await genStatem.start(ctx, slow, undefined);
      await assert.rejects(genStatem.call(ctx, pid, 200, 1), (e: CallError) => e instanceof CallError && e.failure === 'timeout');
      assert.equal(await genStatem.call(ctx, pid, 0), 'late');
      assert.deepEqual(await leftovers(ctx), []);
    });
  });
});

/** A machine for the timeout-order cases: state enter on, every event reported to the test. */
type Step = genStatem.Result<string, null, never>;
function timing(test: Pid, onGo: (state: string) => Step, onEnter: (state: string) => Step, initActions: genStatem.Actions<never> = []): GenStatem<string, null, never, string, never, void> {
  return {
    callbackMode: () => ['handleEvent', 'stateEnter'],
    init: () => ok('a', null, initActions),
    handleEvent(event, state, _d, c) {
      const content = 'content' in event ? String(event.content) : '';
      c.send(test, { note: event.type === 'enter' ? `enter ${state}` : `${event.type} ${content} in ${state}` });
      if (event.type === 'enter') return onEnter(state);
      if (event.type === 'cast' && content === 'p' && state === 'a') return keepStateAndData([postpone]);
      if (event.type === 'cast' && content === 'go') return onGo(state);
      return keepStateAndData();
    },
  };
}

test('gen_statem_SUITE: state_enter — a state timeout set by the enter call replaces the one the transition set', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const m = timing(ctx.self(), () => nextState('b', null, [stateTimeout(60_000, 'from transition')]), (s) => (s === 'b' ? keepStateAndData([stateTimeout(10, 'from enter')]) : keepStateAndData()));
      const pid = await genStatem.start(ctx, m, undefined);
      genStatem.cast(ctx, pid, 'go');
      assert.deepEqual(await notes(ctx, 4), ['enter a', 'cast go in a', 'enter b', 'stateTimeout from enter in b']);
    });
  });
});

test('gen_statem_SUITE: event_timeout — a transition\'s event timeout is cancelled by the postponed events it retries', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const m = timing(ctx.self(), (s) => (s === 'a' ? nextState('b', null, [eventTimeout(10, 'et'), genericTimeout('marker', 200, 'marker')]) : keepStateAndData()), () => keepStateAndData());
      const pid = await genStatem.start(ctx, m, undefined);
      genStatem.cast(ctx, pid, 'p');
      genStatem.cast(ctx, pid, 'go');
      assert.deepEqual(await notes(ctx, 6), ['enter a', 'cast p in a', 'cast go in a', 'enter b', 'cast p in b', 'genericTimeout marker in b']);
    });
  });
});

test('gen_statem_SUITE: init next_event — an event inserted by init is handled first, after the first enter call, before any message', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const m = timing(ctx.self(), () => keepStateAndData(), () => keepStateAndData(), [nextEvent('boot')]);
      const pid = await genStatem.start(ctx, m, undefined, { name: 'gen_statem_suite2_boot' });
      genStatem.cast(ctx, pid, 'later');
      assert.deepEqual(await notes(ctx, 3), ['enter a', 'internal boot in a', 'cast later in a']);
    });
  });
});

test('gen_statem_SUITE: postpone — a postponed call whose machine stops fails with the machine\'s reason, not a timeout', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const me = ctx.self();
      const m: GenStatem<string, null, 'wait', 'die', string, void> = {
        callbackMode: 'handleEvent',
        init: () => ok('a', null),
        handleEvent(event, _s, _d, c) {
          if (event.type !== 'call') return genStatem.stop('died');
          c.send(me, { note: 'postponed' });
          return keepStateAndData([postpone]);
        },
      };
      const pid = await genStatem.start(ctx, m, undefined);
      ctx.spawn(async (c) => {
        try {
          await genStatem.call(c, pid, 'wait', Infinity);
        } catch (e) {
          c.send(me, { failure: (e as CallError).failure });
        }
      });
      await notes(ctx, 1);
      genStatem.cast(ctx, pid, 'die');
      assert.deepEqual(await ctx.receive((x) => typeof x === 'object' && x !== null && 'failure' in x, WAIT), { failure: 'died' });
    });
  });
});

test('gen_statem_SUITE: event_order — on a state change inserted events come first, then postponed ones; a zero event timeout set with them never fires', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const m: GenStatem<string, null, 'buffer', string, string, void> = {
        callbackMode: 'handleEvent',
        init: () => ok('start', null),
        handleEvent(event, state, _d, c) {
          if (state === 'start') {
            if (event.type === 'cast') return keepStateAndData([postpone]);
            if (event.type === 'call') return nextState('buffer', null, [nextEvent('ok3'), nextEvent('ok4'), eventTimeout(0, 'ok5'), reply(event.from, 'ok')]);
            return keepStateAndData();
          }
          c.send(me, { note: `${event.type} ${'content' in event ? String(event.content) : ''}` });
          return keepStateAndData();
        },
      };
      const pid = await genStatem.start(ctx, m, undefined);
      genStatem.cast(ctx, pid, 'ok1');
      genStatem.cast(ctx, pid, 'ok2');
      assert.equal(await genStatem.call(ctx, pid, 'buffer'), 'ok');
      genStatem.cast(ctx, pid, 'after');
      assert.deepEqual(await notes(ctx, 5), ['internal ok3', 'internal ok4', 'cast ok1', 'cast ok2', 'cast after']);
    });
  });
});
