// After OTP's gen_event_SUITE replace_state, in this runtime's API: sys.replaceState on a manager gets every handler's
// { id, state } at once, and a result that is not the same handlers in the same order, or a throw, changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, sys, type GenEventHandler } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

type Entry = { id: unknown; state: number };
const counter = (name: string, start: number): GenEventHandler<number, string> => ({ name, init: () => genEvent.ok(start), handleEvent: (_e, n) => genEvent.ok(n + 1) });

test('gen_event_SUITE replace_state: new states for every handler take; a dropped, reordered or doubled handler, a non-list or a throw is refused and changes nothing', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, counter('a', 1), undefined);
      await genEvent.addHandler(ctx, mgr, counter('b', 2), undefined);
      const states = async (): Promise<number[]> => (await sys.getState<Entry[]>(ctx, mgr)).map((e) => e.state);
      assert.deepEqual(await states(), [2, 1], 'latest installed first');
      assert.deepEqual((await sys.replaceState<Entry[]>(ctx, mgr, (l) => l.map((e) => ({ ...e, state: e.state * 10 })))).map((e) => e.state), [20, 10]);
      const refusals: Array<(l: Entry[]) => unknown> = [() => [], (l) => [...l].reverse(), (l) => [...l, l[0]], () => 'garbage', () => { throw new Error('no'); }];
      for (const fn of refusals) {
        await assert.rejects(sys.replaceState(ctx, mgr, fn as (l: Entry[]) => Entry[]), Error, String(fn));
        assert.deepEqual(await states(), [20, 10], `${String(fn)} changed nothing`);
      }
      // The manager goes on with the replaced states.
      await genEvent.syncNotify(ctx, mgr, 'tick');
      assert.deepEqual(await states(), [21, 11]);
    });
  });
});
