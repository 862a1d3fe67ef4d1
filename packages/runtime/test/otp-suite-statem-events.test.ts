// gen_statem_SUITE next_events with timeout event types: OTP's {next_event, EventType, Content} takes any
// event_type(), timeout types included (timeout, state_timeout, {timeout, Name}); the event is handled as an
// event of that type and leaves the running timers alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, TIMEOUT, type GenStatem } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const { ok, keepStateAndData, reply, nextEvent, stateTimeout } = genStatem;
const WAIT = 20_000;

test('gen_statem_SUITE next_events (timeout types): inserted timeout, stateTimeout and genericTimeout events are handled as those types, in order, and leave the running state timer alone', async () => {
  const log: string[] = [];
  const mod: GenStatem<'s', null, 'go' | 'log', never, string[], void> = {
    callbackMode: 'handleEvent',
    init: () => ok('s', null),
    handleEvent(event) {
      const name = event.type === 'genericTimeout' ? ` ${String(event.name)}` : '';
      if (event.type !== 'call') log.push(`${event.type}${name} ${'content' in event ? String(event.content) : ''}`);
      if (event.type === 'call' && event.content === 'go') {
        // A real state timer first, then three inserted events that only look like its kind.
        return keepStateAndData([stateTimeout(50, 'real'), nextEvent('t', 'timeout'), nextEvent('st', 'stateTimeout'), nextEvent('gt', { genericTimeout: 'g' }), reply(event.from, [])]);
      }
      if (event.type === 'call') return keepStateAndData([reply(event.from, [...log])]);
      return keepStateAndData();
    },
  };
  const seen = await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, mod, undefined);
      await genStatem.call(ctx, pid, 'go', WAIT);
      const deadline = Date.now() + WAIT;
      let got: string[] = [];
      while (!got.includes('stateTimeout real') && Date.now() < deadline) {
        got = await genStatem.call(ctx, pid, 'log', WAIT);
        if (!got.includes('stateTimeout real')) await ctx.receive(() => false, 20).then((m) => assert.equal(m, TIMEOUT));
      }
      return got;
    }),
  );
  assert.deepEqual(seen, ['timeout t', 'stateTimeout st', 'genericTimeout g gt', 'stateTimeout real']);
});
