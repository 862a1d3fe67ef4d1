// Cases after OTP's gen_statem documentation and gen_statem_SUITE timeouts: what an infinite timeout, a postponed
// timeout event and a system message do to a machine's timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, sys, type GenStatem, type Pid } from '@otp-ts/runtime';
import { withNode, quietLogs, notes } from './helpers.ts';

const { ok, nextState, keepStateAndData, eventTimeout, stateTimeout, genericTimeout, postpone } = genStatem;

/** Notes every event to the test; `arm` starts a state and a generic timer, `inf` sets both to infinity, `go` moves to b. */
const machine = (postponeTimeouts: boolean): GenStatem<string, Pid, never, string, never, Pid> => ({
  name: 'suite19_statem',
  callbackMode: () => 'handleEvent',
  init: (t) => ok('a', t, postponeTimeouts ? [stateTimeout(0, 'st'), genericTimeout('g', 0, 'gt')] : [eventTimeout(200, 'et')]),
  handleEvent(event, state, t, ctx) {
    const content = 'content' in event ? String(event.content) : '';
    ctx.send(t, { note: `${event.type} ${content} in ${state}` });
    if (postponeTimeouts && state === 'a' && event.type !== 'cast') return keepStateAndData([postpone]);
    if (content === 'arm') return keepStateAndData([stateTimeout(500, 'st'), genericTimeout('g1', 500, 'g1')]);
    if (content === 'inf') return keepStateAndData([stateTimeout(Infinity, 'x'), genericTimeout('g1', Infinity, 'y'), genericTimeout('g', 700, 'gt')]);
    if (content === 'go') return nextState('b', t);
    return keepStateAndData();
  },
});

test('gen_statem timeouts: a state or generic timeout set to infinity cancels the running timer of its kind (and name)', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, machine(false), ctx.self());
      assert.deepEqual(await notes(ctx, 1), ['timeout et in a']);
      genStatem.cast(ctx, pid, 'arm');
      genStatem.cast(ctx, pid, 'inf');
      // The 700 ms generic timeout 'g' comes after the 500 ms timers would have: they were cancelled.
      assert.deepEqual(await notes(ctx, 3), ['cast arm in a', 'cast inf in a', 'genericTimeout gt in a']);
      await genStatem.stop(ctx, pid);
    });
  });
});

test('gen_statem postpone: fired state and generic timeout events can be postponed, and are handled after the state change in the order they came', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, machine(true), ctx.self());
      assert.deepEqual(await notes(ctx, 2), ['stateTimeout st in a', 'genericTimeout gt in a']);
      genStatem.cast(ctx, pid, 'go');
      assert.deepEqual(await notes(ctx, 3), ['cast go in a', 'stateTimeout st in b', 'genericTimeout gt in b']);
      await genStatem.stop(ctx, pid);
    });
  });
});

test('gen_statem event_timeout: a system message (sys getState, suspend, resume) is no event and leaves a running event timeout alone', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, { ...machine(false), init: (t: Pid) => ok('a', t, [eventTimeout(300, 'et')]) }, ctx.self());
      await sys.getState(ctx, pid);
      await sys.suspend(ctx, pid);
      await sys.resume(ctx, pid);
      assert.deepEqual(await notes(ctx, 1), ['timeout et in a']);
      await genStatem.stop(ctx, pid);
    });
  });
});
