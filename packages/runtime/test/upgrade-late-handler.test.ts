// A gen_event handler added with a replaced version's handler object (the old code's own binding, or an object a
// client read before the upgrade) must run the current version: OTP's add_handler calls the current Module:init.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, upgradeModules, type Pid } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

const counter = (v: number) =>
  compileModule('t/counter', `
import { genEvent } from '@otp-ts/runtime';
export const counter = {
  name: 'counter',
  init: () => genEvent.ok({ n: 0, ups: 0 }),
  handleEvent: (_e: unknown, s: { n: number; ups: number }) => genEvent.ok({ ...s, n: s.n + 1 }),
  handleCall: (_r: 'get', s: { n: number; ups: number }) => genEvent.reply({ vsn: ${v}, n: s.n, ups: s.ups }, s),
  codeChange: (_o: unknown, s: { n: number; ups: number }) => ({ ...s, ups: s.ups + 1 }),
};`, String(v));

test('a handler added with the replaced version\'s object after an upgrade runs the current version, keeps its id, and survives the next purge', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(counter(1));
    await node.run(async (ctx) => {
      const v1 = (code.exportsOf('t/counter') as { counter: object }).counter;
      await upgradeModules(ctx, code, [counter(2)]);
      const mgr = (await genEvent.start(ctx)) as unknown as Pid;
      await genEvent.addSupHandler(ctx, mgr as never, v1 as never, undefined);
      await genEvent.addHandler(ctx, mgr as never, { handler: v1, id: 'b' } as never, undefined);
      const ids = await genEvent.whichHandlers(ctx, mgr as never);
      assert.deepEqual(ids, [{ handler: v1, id: 'b' }, v1], 'whichHandlers reports the ids given');
      await genEvent.syncNotify(ctx, mgr as never, 'e');
      assert.deepEqual(await genEvent.call(ctx, mgr as never, v1 as never, 'get'), { vsn: 2, n: 1, ups: 0 }, 'the handler runs the current version');
      assert.equal(code.softPurge('t/counter'), true, 'nothing runs version 1');
      // The next upgrade migrates both (they run version 2), and purges version 1 without touching them.
      const report = await upgradeModules(ctx, code, [counter(3)]);
      assert.deepEqual(report.killed, []);
      assert.deepEqual(await genEvent.call(ctx, mgr as never, v1 as never, 'get'), { vsn: 3, n: 1, ups: 1 }, 'migrated by the next upgrade');
      assert.deepEqual(await genEvent.call(ctx, mgr as never, { handler: v1, id: 'b' } as never, 'get'), { vsn: 3, n: 1, ups: 1 }, 'the pair is migrated too, keeping its id');
      const after = (await genEvent.whichHandlers(ctx, mgr as never)) as Array<{ id?: unknown }>;
      assert.equal(after.length, 2);
      assert.equal(after[0]!.id, 'b', 'the pair keeps its instance id');
      code.purge('t/counter');
      assert.equal((await genEvent.whichHandlers(ctx, mgr as never)).length, 2, 'no handler removed by the purge');
      await genEvent.stop(ctx, mgr as never);
    });
  });
});
