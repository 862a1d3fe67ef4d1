// gen_server_SUITE continue, at length: a chain of handleContinue calls is preempted by reductions, as OTP's
// scheduler preempts the server, so other processes and timers get their turns while it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, noreply, ok, reply, type GenServer } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

// Several times the scheduler's budget (REDUCTION_BUDGET), so that the chain outlasts a turn.
const CHAIN = 30_000;

for (const kind of ['sync', 'async'] as const) {
  test(`gen_server: a chain of ${CHAIN} ${kind} handleContinue calls yields to the scheduler — a timer set meanwhile fires before the chain ends`, async () => {
    await withNode(async (node) => {
      await node.run(async (ctx) => {
        const counter = { n: 0 };
        const step = (s: null): ReturnType<typeof noreply<null>> => (++counter.n < CHAIN ? noreply(s, { continue: 'step' }) : noreply(s));
        const server: GenServer<null, 'count', 'go', number> = {
          name: `continue_chain_${kind}`,
          init: () => ok(null),
          handleCall: (_req, _from, s) => reply(counter.n, s),
          handleCast: (_req, s) => noreply(s, { continue: 'step' }),
          handleContinue: (_arg, s) => (kind === 'sync' ? step(s) : Promise.resolve(step(s))),
        };
        const pid = await genServer.start(ctx, server, undefined);
        genServer.cast(ctx, pid, 'go');
        // A timer of the node's own: its message is handled by this process once the event loop gets a turn.
        ctx.sendAfter(0, ctx.self(), 'tick');
        await ctx.receive((m) => m === 'tick');
        const seen = counter.n;
        assert.ok(seen < CHAIN, `the timer fired only after the whole chain (${seen} of ${CHAIN} continues): the server never yielded`);
        // The chain runs to its end before the server reads its mailbox: the call is answered after it.
        assert.equal(await genServer.call(ctx, pid, 'count', 60_000), CHAIN);
        await genServer.stop(ctx, pid);
      });
    });
  });
}
