import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, GenEventError, type GenEventHandler } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

// Translated from OTP's gen_event_SUITE send_request/receive_response cases.
const counter: GenEventHandler<number, string, 'count' | 'crash', number, number> = {
  name: 'counter',
  init: (n) => genEvent.ok(n),
  handleEvent: (_e, n) => genEvent.ok(n + 1),
  handleCall(req, n) {
    if (req === 'crash') throw new Error('boom');
    return genEvent.reply(n, n);
  },
};
const other: GenEventHandler<null, string> = { name: 'other', init: () => genEvent.ok(null), handleEvent: (_e, s) => genEvent.ok(s) };

test('genEvent.sendRequest: replies, and refusals come back as error responses', async () => {
  await withNode(async (node) => {
      quietLogs(node);
      const out = await node.run(async (ctx) => {
        const mgr = await genEvent.startLink<string>(ctx);
        await genEvent.addHandler(ctx, mgr, counter, 7);
        const a = await genEvent.receiveResponse(ctx, genEvent.sendRequest(ctx, mgr, counter, 'count'), 5000);
        const missing = await genEvent.waitResponse(ctx, genEvent.sendRequest(ctx, mgr, other, 'count'), 5000);
        const crashed = await genEvent.receiveResponse(ctx, genEvent.sendRequest(ctx, mgr, counter, 'crash'), 5000);
        // A collection: labels come back with the answers.
        await genEvent.addHandler(ctx, mgr, counter, 1);
        let ids = genEvent.reqIdsAdd(genEvent.reqIdsNew<unknown, string>(), genEvent.sendRequest(ctx, mgr, counter, 'count'), 'first');
        ids = genEvent.reqIdsAdd(ids, genEvent.sendRequest(ctx, mgr, other, 'count'), 'second');
        const got: string[] = [];
        while (genEvent.reqIdsSize(ids) > 0) {
          const r = await genEvent.waitResponse(ctx, ids, 5000);
          assert.ok(Array.isArray(r));
          got.push(`${r[1]}:${r[0].type}`);
          ids = r[2];
        }
        // A message taken by the caller's own receive.
        const id = genEvent.sendRequest(ctx, mgr, other, 'x');
        const msg = await ctx.receive(() => true, 5000);
        const checked = genEvent.checkResponse(ctx, msg, id);
        await genEvent.stop(ctx, mgr);
        const gone = await genEvent.receiveResponse(ctx, genEvent.sendRequest(ctx, mgr, counter, 'count'), 5000);
        return { a, missing, crashed, got: got.sort(), checked, gone };
      });
      assert.deepEqual(out.a, { type: 'reply', reply: 7 });
      assert.equal(out.missing !== 'timeout' && out.missing.type, 'error');
      const missingReason = out.missing !== 'timeout' && out.missing.type === 'error' ? out.missing.reason : null;
      assert.ok(missingReason instanceof GenEventError && missingReason.code === 'notFound', String(missingReason));
      const crashReason = out.crashed !== 'timeout' && out.crashed.type === 'error' ? out.crashed.reason : null;
      assert.ok(crashReason instanceof GenEventError && crashReason.code === 'handlerCrashed', String(crashReason));
      assert.deepEqual(out.got, ['first:reply', 'second:error']);
      assert.ok(out.checked !== 'noReply' && out.checked.type === 'error' && out.checked.reason instanceof GenEventError);
      assert.deepEqual(out.gone, { type: 'error', reason: 'noproc', server: out.gone !== 'timeout' && out.gone.type === 'error' ? out.gone.server : null });
  });
});
