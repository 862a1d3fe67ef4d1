// gen_statem_SUITE send_request cases (OTP 23+: gen_statem:send_request/2, wait_response, receive_response,
// check_response and the reqids_* collections of OTP 25), on genStatem's own names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, type GenStatem } from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

const { ok, nextState, keepStateAndData, reply, postpone } = genStatem;

type Call = 'state' | 'open' | { echo: number } | 'crash';

// A machine that answers in 'open' and postpones calls while 'closed'; 'open' opens it, 'crash' ends it.
const door: GenStatem<'closed' | 'open', null, Call, never, unknown> = {
  callbackMode: 'handleEvent',
  init: () => ok('closed', null),
  handleEvent(event, state) {
    if (event.type !== 'call') return keepStateAndData();
    if (event.content === 'crash') throw new Error('door broke');
    if (event.content === 'open') return nextState('open', null, [reply(event.from, 'opened')]);
    if (state === 'closed') return keepStateAndData([postpone]);
    if (event.content === 'state') return keepStateAndData([reply(event.from, state)]);
    return keepStateAndData([reply(event.from, event.content.echo)]);
  },
};

test('gen_statem_SUITE send_request: requests to a machine are answered through wait/receive/checkResponse, postponed ones after the state change, in collections by label', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, door, undefined);
      const early = genStatem.sendRequest(ctx, pid, { echo: 1 });
      assert.equal(await genStatem.waitResponse(ctx, early, 0), 'timeout', 'postponed while closed; wait leaves it pending');
      assert.deepEqual(await genStatem.waitResponse(ctx, genStatem.sendRequest(ctx, pid, 'open'), 20_000), { type: 'reply', reply: 'opened' });
      assert.deepEqual(await genStatem.receiveResponse(ctx, early, 20_000), { type: 'reply', reply: 1 }, 'the postponed request was answered in open');

      let ids = genStatem.reqIdsNew<unknown, string>();
      ids = genStatem.reqIdsAdd(ids, genStatem.sendRequest(ctx, pid, { echo: 2 }), 'two');
      ids = genStatem.reqIdsAdd(ids, genStatem.sendRequest(ctx, pid, 'state'), 'state');
      assert.equal(genStatem.reqIdsSize(ids), 2);
      const got = new Map<string, unknown>();
      for (let i = 0; i < 2; i++) {
        const r = await genStatem.receiveResponse(ctx, ids, 20_000, true);
        assert.ok(Array.isArray(r), `a response, got ${String(r)}`);
        const [response, label, rest] = r;
        got.set(label, response);
        ids = rest;
      }
      assert.deepEqual(Object.fromEntries(got), { two: { type: 'reply', reply: 2 }, state: { type: 'reply', reply: 'open' } });
      assert.equal(await genStatem.receiveResponse(ctx, ids, 0), 'noRequest');

      const last = genStatem.sendRequest(ctx, pid, { echo: 3 });
      const msg = await ctx.receive(null, 20_000);
      assert.deepEqual(genStatem.checkResponse(ctx, msg, last), { type: 'reply', reply: 3 });

      const crashed = genStatem.sendRequest(ctx, pid, 'crash');
      const failure = await genStatem.receiveResponse(ctx, crashed, 20_000);
      assert.ok(typeof failure === 'object' && failure.type === 'error', 'a machine that dies answers an error');
      assert.match(String(failure.reason), /door broke/);
    });
  });
});
