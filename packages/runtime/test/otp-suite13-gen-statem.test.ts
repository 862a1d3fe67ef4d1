// Cases after OTP's lib/stdlib/test/gen_statem_SUITE.erl (event_types, shutdown) that the other gen_statem suites do not
// walk, each named after its case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, isDown, isExit, TIMEOUT, type CallError, type GenStatem } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

type S = 'start1' | 'start2' | 'state1' | 'state2' | 'state3' | 'state4' | 'state5' | 'state6' | 'state7';
// Each state takes one event of one type (and content) and moves on; anything else is a bad event for the test.
const expected: Record<S, [string, unknown, S | 'stop']> = {
  start1: ['internal', 0, 'start2'],
  start2: ['call', 'go', 'state1'],
  state1: ['internal', 1, 'state2'],
  state2: ['stateTimeout', 2, 'state3'],
  state3: ['timeout', 3, 'state4'],
  state4: ['info', 4, 'state5'],
  state5: ['cast', 5, 'state6'],
  state6: ['genericTimeout', 6, 'state7'],
  state7: ['call', 'go', 'stop'],
};

const typed: GenStatem<S, string[], 'go' | 'stop', never, string, void> = {
  name: 'event_types',
  callbackMode: 'handleEvent',
  init: () => genStatem.ok('start1', [], [genStatem.nextEvent(0)]),
  handleEvent(e, state, seen) {
    const [type, content, next] = expected[state];
    const got = 'content' in e ? e.content : undefined;
    if (e.type !== type || got !== content) throw new Error(`${state} got ${e.type} ${String(got)}`);
    const log = [...seen, `${state}:${e.type}`];
    if (state === 'start2' && e.type === 'call') {
      // Every event type can be inserted, a call (with its From) among them, handled in the order given.
      return genStatem.nextState('state1', log, [
        genStatem.nextEvent(1),
        genStatem.nextEvent(2, 'stateTimeout'),
        genStatem.nextEvent(3, 'timeout'),
        genStatem.nextEvent(4, 'info'),
        genStatem.nextEvent(5, 'cast'),
        genStatem.nextEvent(6, { genericTimeout: 'six' }),
        genStatem.nextEvent('go', { call: e.from }),
      ]);
    }
    if (next === 'stop' && e.type === 'call') return genStatem.stopAndReply('shutdown', [{ reply: [e.from, log.join(' ')] }]);
    return genStatem.nextState(next as S, log);
  },
};

test('gen_statem_SUITE event_types: nextEvent inserts every event type (internal, stateTimeout, timeout, info, cast, a generic timeout, a call with its From), handled in order', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const pid = await genStatem.startLink(ctx, typed, undefined);
      const answer = await genStatem.call(ctx, pid, 'go');
      assert.equal(answer, 'start1:internal start2:call state1:internal state2:stateTimeout state3:timeout state4:info state5:cast state6:genericTimeout state7:call');
      const exit = await ctx.receive((m) => isExit(m) && m.from === pid, WAIT);
      assert.notEqual(exit, TIMEOUT);
      assert.equal((exit as { reason: unknown }).reason, 'shutdown');
      await assert.rejects(genStatem.call(ctx, pid, 'go'), (e: CallError) => e.failure === 'noproc');
    });
  });
});

const stopper: GenStatem<'on', null, 'stop', never, string, void> = {
  name: 'shutdown_statem',
  callbackMode: 'handleEvent',
  init: () => genStatem.ok('on', null),
  handleEvent: (e) => (e.type === 'call' ? genStatem.stopAndReply({ shutdown: 'reason' }, [{ reply: [e.from, 'stopped'] }]) : genStatem.keepStateAndData()),
};

test('gen_statem_SUITE shutdown: a machine stopping with { shutdown: reason } replies first, its linked parent gets that reason, and a later call is noproc', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const pid = await genStatem.startLink(ctx, stopper, undefined);
      const ref = ctx.monitor(pid);
      assert.equal(await genStatem.call(ctx, pid, 'stop'), 'stopped');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.deepEqual((down as { reason: unknown }).reason, { shutdown: 'reason' });
      const exit = await ctx.receive((m) => isExit(m) && m.from === pid, WAIT);
      assert.deepEqual((exit as { reason: unknown }).reason, { shutdown: 'reason' }, 'the linked parent, trapping exits, gets the reason');
      await assert.rejects(genStatem.call(ctx, pid, 'stop'), (e: CallError) => e.failure === 'noproc');
    });
    assert.deepEqual(logs.filter((e) => e.level === 'error'), [], 'a { shutdown } stop is no crash: nothing is reported');
  });
});
