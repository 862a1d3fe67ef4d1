// A gen_statem working through a long chain of events it made itself (inserted events, zero timeouts, repeated
// enter calls) is preempted by reductions, as OTP's scheduler preempts it: other processes and timers get turns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, type GenStatem } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

// Several times the scheduler's budget (REDUCTION_BUDGET), so that the chain outlasts a turn.
const CHAIN = 30_000;

type Step = 'nextEvent' | 'zeroTimeout' | 'repeatEnter';

// A machine that, on the cast 'go', handles CHAIN events of its own making one after the other, counting them.
function chainer(step: Step, counter: { n: number }): GenStatem<string, null, 'count', 'go', number, void> {
  return {
    name: `chain_${step}`,
    callbackMode: 'handleEvent',
    stateEnter: true,
    init: () => genStatem.ok('idle', null),
    handleEvent(e, state) {
      if (e.type === 'call') return genStatem.keepStateAndData([{ reply: [e.from, counter.n] }]);
      if (e.type === 'enter') {
        if (state !== 'repeating' || ++counter.n >= CHAIN) return genStatem.keepStateAndData();
        return genStatem.repeatStateAndData();
      }
      if (e.type === 'cast' && step === 'repeatEnter') return genStatem.nextState('repeating', null);
      if (++counter.n >= CHAIN && e.type !== 'cast') return genStatem.keepStateAndData();
      return genStatem.keepStateAndData([step === 'nextEvent' ? genStatem.nextEvent('step') : genStatem.eventTimeout(0, 'step')]);
    },
  };
}

for (const step of ['nextEvent', 'zeroTimeout', 'repeatEnter'] as const) {
  test(`gen_statem: a chain of ${CHAIN} ${step} events yields to the scheduler — a timer set meanwhile fires before the chain ends`, async () => {
    await withNode(async (node) => {
      await node.run(async (ctx) => {
        const counter = { n: 0 };
        const pid = await genStatem.start(ctx, chainer(step, counter), undefined);
        genStatem.cast(ctx, pid, 'go');
        // A timer of the node's own: its message is handled by this process once the event loop gets a turn.
        ctx.sendAfter(0, ctx.self(), 'tick');
        await ctx.receive((m) => m === 'tick');
        const seen = counter.n;
        assert.ok(seen < CHAIN, `the timer fired only after the whole chain (${seen} of ${CHAIN} events): the machine never yielded`);
        // The chain still runs to its end before the machine reads its mailbox: the call is answered after it.
        assert.equal(await genStatem.call(ctx, pid, 'count', 60_000), CHAIN);
        await genStatem.stop(ctx, pid);
      });
    });
  });
}
