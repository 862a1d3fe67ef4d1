// The example supervision tree (examples/shop) started as an application from its package.json, its
// children crashed one by one on demand, and the recovery checked from the outside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createNode, application, genServer, genStatem, genEvent, supervisor, loggerOf, isDown, type LogEvent, type Pid, type ProcessContext } from '@otp-ts/runtime';

const shopDir = fileURLToPath(new URL('../examples/shop', import.meta.url));

async function crashAndWait(ctx: ProcessContext, name: string, crash: () => Promise<unknown>): Promise<[Pid, Pid]> {
  const before = ctx.whereis(name)!;
  const ref = ctx.monitor(before);
  await crash().catch(() => undefined);
  await ctx.receive((m) => isDown(m, ref));
  let after = ctx.whereis(name);
  while (after === undefined || after === before) {
    await ctx.sleep(1);
    after = ctx.whereis(name);
  }
  return [before, after];
}

test('the example shop starts, crashes each child on demand and recovers one child at a time', async () => {
  const node = createNode();
  const logs: LogEvent[] = [];
  loggerOf(node).removeHandler('default');
  loggerOf(node).addHandler({ id: 'test', log: (e) => logs.push(e) });
  try {
    await node.run(async (ctx) => {
      await application.load(ctx, shopDir);
      assert.deepEqual(await application.ensureAllStarted(ctx, 'shop'), ['shop']);
      const sup = ctx.whereis('shop_sup')!;
      // whichChildren lists the most recently added child first, as OTP does.
      assert.deepEqual((await supervisor.whichChildren(ctx, sup)).map((c) => c.id), ['order', 'cart', 'inventory', 'events']);

      assert.deepEqual(await genServer.call(ctx, 'cart', { op: 'add', item: 'apple', n: 3 }), [['apple', 3]]);
      assert.equal(await genServer.call(ctx, 'inventory', { op: 'stock', item: 'apple' }), 7);
      assert.equal(await genStatem.call(ctx, 'order', 'pay'), 'paid');
      assert.equal(await genEvent.call(ctx, 'shop_events', (await genEvent.whichHandlers(ctx, 'shop_events'))[0]!, 'count'), 2);

      // The cart crashes: restarted empty; the inventory keeps its stock and the order its state.
      const [cart1, cart2] = await crashAndWait(ctx, 'cart', () => genServer.call(ctx, 'cart', { op: 'crash' }));
      assert.notEqual(cart1, cart2);
      assert.deepEqual(await genServer.call(ctx, 'cart', { op: 'list' }), []);
      assert.equal(await genServer.call(ctx, 'inventory', { op: 'stock', item: 'apple' }), 7);
      assert.equal(await genStatem.call(ctx, 'order', 'status'), 'paid');

      // The order machine crashes: back to open; the cart keeps working.
      await crashAndWait(ctx, 'order', () => genStatem.call(ctx, 'order', 'crash'));
      assert.equal(await genStatem.call(ctx, 'order', 'status'), 'open');
      assert.deepEqual(await genServer.call(ctx, 'cart', { op: 'add', item: 'pear', n: 1 }), [['pear', 1]]);

      // The inventory crashes: restarted from the application's env.
      await crashAndWait(ctx, 'inventory', () => genServer.call(ctx, 'inventory', { op: 'crash' }));
      assert.equal(await genServer.call(ctx, 'inventory', { op: 'stock', item: 'apple' }), 10);

      // The event manager is killed: restarted with its handler, the others untouched.
      const cartBefore = ctx.whereis('cart');
      await crashAndWait(ctx, 'shop_events', async () => ctx.exit(ctx.whereis('shop_events')!, 'kill'));
      // The new manager is registered as it starts, before the child's start function adds the handler: a call to
      // the supervisor is answered once that restart (start function included) is over.
      await supervisor.whichChildren(ctx, sup);
      assert.equal((await genEvent.whichHandlers(ctx, 'shop_events')).length, 1);
      assert.equal(ctx.whereis('cart'), cartBefore);

      assert.equal(ctx.whereis('shop_sup'), sup, 'the top supervisor never restarted');
      await application.stop(ctx, 'shop');
      for (const name of ['shop_sup', 'shop_events', 'inventory', 'cart', 'order']) assert.equal(ctx.whereis(name), undefined, `${name} is gone`);
    });
  } finally {
    node.shutdown();
  }
  const reports = logs.filter((e) => typeof e.message === 'object' && e.message.kind === 'supervisor' && e.message.errorContext === 'childTerminated');
  assert.equal(reports.length, 4, 'one supervisor report per crash');
  assert.ok(logs.some((e) => typeof e.message === 'object' && e.message.kind === 'crash' && String(e.message.reason).includes('cart crashed on request')));
});
