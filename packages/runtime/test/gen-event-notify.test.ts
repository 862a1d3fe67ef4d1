// gen_event:notify/2 is a plain send in OTP (`M ! {notify, Event}`): to a local name nobody holds it raises
// badarg, to a dead pid it is sent and forgotten, a via-name's failure is caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, RuntimeError, type GenEventHandler, type ViaRegistry } from '@otp-ts/runtime';
import { withNode, ended } from './helpers.ts';

/** A handler that records every event it gets. */
function recorder(log: unknown[]): GenEventHandler<null, unknown, unknown, unknown, unknown, unknown> {
  return { name: 'recorder', init: () => genEvent.ok(null), handleEvent: (event, s) => (log.push(event), genEvent.ok(s)) };
}

const nobody: ViaRegistry = { whereis: () => undefined, register: () => false, unregister: () => {} };

test('gen_event notify: a local name nobody holds is badarg; a dead pid or an unheld via-name drops the event; { name, node } of this node delivers', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      assert.throws(() => genEvent.notify(ctx, 'no_such_manager', 'lost'), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /no_such_manager/.test(e.message));
      const log: unknown[] = [];
      const mgr = await genEvent.start(ctx, { name: 'notify_mgr' });
      await genEvent.addHandler(ctx, mgr, recorder(log), null);
      genEvent.notify(ctx, 'notify_mgr', 'by name');
      genEvent.notify(ctx, { name: 'notify_mgr', node: ctx.node.name }, 'by name and node');
      genEvent.notify(ctx, { via: nobody, name: 'x' }, 'via nobody');
      await genEvent.syncNotify(ctx, mgr, 'flush');
      assert.deepEqual(log, ['by name', 'by name and node', 'flush']);
      await genEvent.stop(ctx, mgr);
      await ended(ctx, mgr);
      genEvent.notify(ctx, mgr, 'to a dead pid');
      assert.throws(() => genEvent.notify(ctx, 'notify_mgr', 'after stop'), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg');
    });
  });
});
