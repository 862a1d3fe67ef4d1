// gen_event:notify/2 is a plain send in OTP (`M ! {notify, Event}`): to a local name nobody holds it raises
// badarg, to a dead pid it is sent and forgotten, a via-name's failure is caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, genEvent, RuntimeError, type GenEventHandler, type OtpNode, type Pid, type ViaRegistry } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
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

test('gen_event across nodes: notify, syncNotify and whichHandlers reach a manager on another node; a request naming a handler is refused at the caller', { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const nodes: OtpNode[] = [];
  try {
    for (const n of ['gena', 'genb']) {
      const node = createNode({ onCrash: () => {} });
      await node.startDistribution({ name: `${n}@127.0.0.1`, cookie: 'gen-notify', epmdPort, log: () => {} });
      nodes.push(node);
    }
    const [a, b] = nodes as [OtpNode, OtpNode];
    assert.equal(await a.ping(b.name), true);
    const log: unknown[] = [];
    const local: Pid = await b.run(async (ctx) => {
      const pid = await genEvent.start(ctx, { name: 'remote_mgr' });
      await genEvent.addHandler(ctx, pid, recorder(log), null);
      return pid;
    });
    await a.run(async (ctx) => {
      const mgr = { name: 'remote_mgr', node: b.name };
      genEvent.notify(ctx, mgr, 'across');
      await genEvent.syncNotify(ctx, mgr, 'flush');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), ['recorder'], 'the handlers by name');
      await assert.rejects(genEvent.addHandler(ctx, mgr, recorder([]), null), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /recorder.*another node/.test(e.message));
      await assert.rejects(genEvent.call(ctx, mgr, recorder([]), 'q'), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg');
    });
    assert.deepEqual(log, ['across', 'flush']);
    assert.ok(b.isAlive(local), 'the manager lives on');
  } finally {
    for (const n of nodes) n.shutdown();
    await epmd.close();
  }
});
