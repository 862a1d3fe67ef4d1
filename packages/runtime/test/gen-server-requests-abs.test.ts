// gen_server_SUITE send_request with {abs, T} wait times (OTP 25): wait_response, receive_response and their
// collection forms take an absolute deadline on the monotonic clock, so a loop over a collection shares one
// deadline instead of restarting a relative timeout at every answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, noreply, ok, reply, type From, type GenServer } from '@otp-ts/runtime';
import { leftovers, withNode } from './helpers.ts';

const WAIT = 30_000;

// Answers 'now' at once and holds 'hold' until a 'release' cast.
const server: GenServer<Array<From<string>>, 'now' | 'hold', 'release', string> = {
  name: 'abs_holder',
  init: () => ok([]),
  handleCall: (req, from, held) => (req === 'now' ? reply('now', held) : noreply([...held, from])),
  handleCast(_release, held) {
    for (const from of held) reply(from, 'late');
    return noreply([]);
  },
};

test('gen_server_SUITE send_request ({abs, T}): an absolute deadline already past polls, one ahead waits for the reply', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, server, undefined);
      const held = genServer.sendRequest(ctx, srv, 'hold');
      assert.equal(await genServer.waitResponse(ctx, held, { abs: performance.now() - 1 }), 'timeout');
      genServer.cast(ctx, srv, 'release');
      assert.deepEqual(await genServer.waitResponse(ctx, held, { abs: performance.now() + WAIT }), { type: 'reply', reply: 'late' });
      const again = genServer.sendRequest(ctx, srv, 'hold');
      assert.equal(await genServer.receiveResponse(ctx, again, { abs: performance.now() }), 'timeout');
      genServer.cast(ctx, srv, 'release');
      assert.equal(await genServer.call(ctx, srv, 'now'), 'now');
      assert.deepEqual(await leftovers(ctx), [], 'the abandoned request\'s reply was dropped');
    }),
  );
});

test('gen_server_SUITE send_request ({abs, T}): a collection loop under one deadline gets what is answered, then times out and abandons the rest', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, server, undefined);
      let coll = genServer.reqIdsNew<string, string>();
      coll = genServer.reqIdsAdd(coll, genServer.sendRequest(ctx, srv, 'now'), 'a');
      coll = genServer.reqIdsAdd(coll, genServer.sendRequest(ctx, srv, 'hold'), 'b');
      coll = genServer.reqIdsAdd(coll, genServer.sendRequest(ctx, srv, 'now'), 'c');
      // Once this call returns, the answers to 'a' and 'c' wait in the mailbox; the held 'b' ends the loop at the deadline.
      assert.equal(await genServer.call(ctx, srv, 'now'), 'now');
      const deadline = { abs: performance.now() + 50 };
      const got: string[] = [];
      for (;;) {
        const r = await genServer.receiveResponse(ctx, coll, deadline);
        if (typeof r === 'string') {
          assert.equal(r, 'timeout');
          break;
        }
        got.push(r[1]);
        coll = r[2];
      }
      assert.deepEqual(got.sort(), ['a', 'c']);
      genServer.cast(ctx, srv, 'release');
      assert.equal(await genServer.call(ctx, srv, 'now'), 'now');
      assert.deepEqual(await leftovers(ctx), [], 'the held request was abandoned with the collection');
    }),
  );
});
