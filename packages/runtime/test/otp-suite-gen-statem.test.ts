// Cases mirroring OTP's lib/stdlib/test/gen_statem_SUITE.erl timeout cases, each named after the case it follows.
// OTP's rule for a timeout of 0 (gen_statem.erl, loop_done and the t0q queue): no timer is started; the
// timeout event is queued after the events already enqueued (inserted or postponed) and before any
// message in the mailbox. An event timeout is cancelled by any event handled first, so a zero event
// timeout fires only when no event is enqueued; state and generic zero timeouts survive enqueued events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, TIMEOUT, type GenStatem, type Pid } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const { ok, keepStateAndData, eventTimeout, stateTimeout, genericTimeout, nextEvent } = genStatem;
type Action = Parameters<typeof keepStateAndData>[0];

/** A machine that logs every event; the cast 'go' returns `actions`, the info 'last' reports the log to `test`. */
function machine(actions: Action, test: Pid): GenStatem<'s', string[], never, 'go', unknown, void> {
  return {
    name: 'zero',
    callbackMode: 'handleEvent',
    init: () => ok('s', []),
    handleEvent(event, _state, log, ctx) {
      const content = 'content' in event ? String(event.content) : '';
      log.push(`${event.type} ${content}`);
      if (event.type === 'cast') return keepStateAndData(actions);
      if (event.type === 'info' && event.content === 'last') ctx.send(test, { log });
      return keepStateAndData();
    },
  };
}

// Queues the cast 'go' and the message 'last' together, so 'last' waits in the mailbox while 'go' is handled.
async function run(actions: Action): Promise<string[]> {
  return withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, machine(actions, ctx.self()), undefined);
      genStatem.cast(ctx, pid, 'go');
      ctx.send(pid, 'last');
      const m = await ctx.receive((x): x is { log: string[] } => typeof x === 'object' && x !== null && 'log' in x, 20_000);
      assert.notEqual(m, TIMEOUT);
      return (m as { log: string[] }).log;
    }),
  );
}

test('gen_statem_SUITE state_timeout (zero): a state timeout of 0 is handled before a message already in the mailbox', async () => {
  assert.deepEqual(await run([stateTimeout(0, 'st')]), ['cast go', 'stateTimeout st', 'info last']);
});

test('gen_statem_SUITE event_timeout (zero): an event timeout of 0 fires before a message already in the mailbox, which does not cancel it', async () => {
  assert.deepEqual(await run([eventTimeout(0, 'et')]), ['cast go', 'timeout et', 'info last']);
});

test('gen_statem_SUITE event_timeout (zero): an inserted event is handled first and cancels a zero event timeout', async () => {
  assert.deepEqual(await run([eventTimeout(0, 'et'), nextEvent('x')]), ['cast go', 'internal x', 'info last']);
});

test('gen_statem_SUITE generic_timers (zero): a generic timeout of 0 is handled before a message already in the mailbox', async () => {
  assert.deepEqual(await run([genericTimeout('g', 0, 'gt')]), ['cast go', 'genericTimeout gt', 'info last']);
});

test('gen_statem_SUITE state_timeout (zero): a zero state timeout waits for the inserted events, then comes before the mailbox', async () => {
  assert.deepEqual(await run([stateTimeout(0, 'st'), nextEvent('x')]), ['cast go', 'internal x', 'stateTimeout st', 'info last']);
});

test('gen_statem_SUITE generic_timers (zero): several zero timeouts fire in the order set, a restarted one moving last', async () => {
  assert.deepEqual(
    await run([genericTimeout('a', 0, 'a1'), stateTimeout(0, 'st'), genericTimeout('b', 0, 'b'), genericTimeout('a', 0, 'a2')]),
    ['cast go', 'stateTimeout st', 'genericTimeout b', 'genericTimeout a2', 'info last'],
  );
});
