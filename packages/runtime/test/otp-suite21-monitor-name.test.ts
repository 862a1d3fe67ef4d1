// erts' monitor by {Name, node()}: a monitor set up as { name, node } of this node reports { name, node } in its
// DOWN, as erlang:monitor(process, {Name, node()}) does, whether the name was held or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, isDown, type GenStatem } from '@otp-ts/runtime';
import { ended, withNode } from './helpers.ts';

const machine: GenStatem<'s', null, 'ping', never, 'pong'> = {
  callbackMode: 'handleEvent',
  init: () => genStatem.ok('s', null),
  handleEvent: (e) => (e.type === 'call' ? genStatem.keepStateAndData([genStatem.reply(e.from, 'pong')]) : genStatem.keepStateAndData()),
};

test('erlang:monitor(process, {Name, node()}): the DOWN names { name, node } as given, for a name held and for one held by nobody', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, machine, undefined, { name: 'watched' });
      const held = ctx.monitor({ name: 'watched', node: ctx.node.name });
      const nobody = ctx.monitor({ name: 'nobody', node: ctx.node.name });
      const byName = ctx.monitor('watched');
      const gone = await ctx.receive((m) => isDown(m, nobody), 5_000);
      assert.ok(isDown(gone));
      assert.deepEqual(gone.pid, { name: 'nobody', node: ctx.node.name });
      assert.equal(gone.reason, 'noproc');
      await genStatem.stop(ctx, pid, 'bye');
      await ended(ctx, pid);
      const down = await ctx.receive((m) => isDown(m, held), 5_000);
      assert.ok(isDown(down));
      assert.deepEqual(down.pid, { name: 'watched', node: ctx.node.name });
      assert.equal(down.reason, 'bye');
      // A monitor by the bare name still names the name, as before.
      const bare = await ctx.receive((m) => isDown(m, byName), 5_000);
      assert.ok(isDown(bare));
      assert.equal(bare.pid, 'watched');
    }),
  );
});
