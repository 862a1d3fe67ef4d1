// `npm run demo`: what otp-ts does today, end to end, with its figures. It grows into the full main job
// (scaffold, test, release, load, hot upgrade, trace) as the packages for those land.
import { createNode, isDown, isExit, application, genServer, genStatem, supervisor, sys, loggerOf } from '@otp-ts/runtime';
import { fileURLToPath } from 'node:url';

const node = createNode({ onCrash: () => {} });
const step = (text) => console.log(`\n▶ ${text}`);

await node.run(async (ctx) => {
  step('spawn a worker, register it, and call it with a message');
  const worker = ctx.spawn(async (w) => {
    for (;;) {
      const { from, n } = await w.receive();
      if (n < 0) throw new Error(`negative input ${n}`);
      w.send(from, n * n);
    }
  }, { name: 'squarer' });
  ctx.send('squarer', { from: ctx.self(), n: 12 });
  console.log(`  ${worker} registered as 'squarer' answered 12² = ${await ctx.receive()}`);

  step('let it crash: a monitor reports why the worker died');
  const ref = ctx.monitor(worker);
  ctx.send('squarer', { from: ctx.self(), n: -1 });
  const down = await ctx.receive((m) => isDown(m, ref));
  console.log(`  DOWN from ${down.pid}: ${down.reason.message}; 'squarer' is now ${ctx.whereis('squarer') ?? 'free'}`);

  step('links: trapping exits turns a linked crash into a message');
  ctx.trapExit(true);
  ctx.spawnLink(async (c) => c.exit('gave up'));
  const exit = await ctx.receive(isExit);
  console.log(`  EXIT from ${exit.from}: ${exit.reason}`);

  step('a table owned by this process');
  const scores = ctx.newTable({ type: 'orderedSet', name: 'scores' });
  for (const [who, pts] of [['cy', 3], ['ann', 7], ['bo', 5]]) scores.insert([who, pts]);
  scores.updateCounter('bo', 10);
  console.log(`  in key order: ${scores.toList().map(([k, v]) => `${k}=${v}`).join(', ')}`);

  step('a ring of 10,000 processes passing a token 100 times');
  const n = 10_000;
  const laps = 100;
  const me = ctx.self();
  const started = performance.now();
  let next = me;
  for (let i = 0; i < n; i++) {
    const to = next;
    next = ctx.spawn(async (r) => {
      for (;;) {
        const token = await r.receive();
        r.send(to, token);
        if (token === 0) return;
      }
    });
  }
  const first = next;
  ctx.send(first, laps);
  for (let lap = laps; lap > 0; ) {
    lap = (await ctx.receive()) - 1;
    ctx.send(first, lap);
  }
  await ctx.receive();
  const ms = performance.now() - started;
  console.log(`  ${(n * laps).toLocaleString('en')} hops in ${ms.toFixed(0)} ms: ${Math.round((n * laps) / (ms / 1000)).toLocaleString('en')} hops/s`);
});
node.shutdown();

// The example shop application: a supervision tree that crashes on demand and recovers.
const shop = createNode();
const reports = [];
loggerOf(shop).removeHandler('default');
loggerOf(shop).addHandler({ id: 'demo', log: (e) => reports.push(e) });
await shop.run(async (ctx) => {
  step('start the example shop application (examples/shop) from its package.json');
  await application.load(ctx, fileURLToPath(new URL('../examples/shop', import.meta.url)));
  await application.ensureAllStarted(ctx, 'shop');
  for (const c of await supervisor.whichChildren(ctx, 'shop_sup')) console.log(`  shop_sup ─ ${c.id.padEnd(9)} ${c.pid}`);

  step('use it: add to the cart, pay the order');
  console.log(`  cart: ${JSON.stringify(await genServer.call(ctx, 'cart', { op: 'add', item: 'apple', n: 3 }))}, order: ${await genStatem.call(ctx, 'order', 'pay')}`);

  step('let it crash: the cart crashes on request, its supervisor restarts it alone');
  const before = ctx.whereis('cart');
  await genServer.call(ctx, 'cart', { op: 'crash' }).catch((e) => console.log(`  the caller saw: ${e.message}`));
  await ctx.sleep(5);
  console.log(`  cart ${before} → ${ctx.whereis('cart')}, order still ${await genStatem.call(ctx, 'order', 'status')}`);
  const report = reports.find((e) => e.message.kind === 'supervisor');
  console.log(`  supervisor report: ${report.message.errorContext}, child '${report.message.offender.id}', reason: ${report.message.reason.message}`);
  console.log(`  sys.getStatus(cart): ${JSON.stringify((await sys.getStatus(ctx, 'cart')).status)}`);

  step('200,000 sequential gen_server calls');
  const t0 = performance.now();
  for (let i = 0; i < 200_000; i++) await genServer.call(ctx, 'inventory', { op: 'stock', item: 'pear' });
  const ms = performance.now() - t0;
  console.log(`  ${ms.toFixed(0)} ms: ${Math.round(200_000 / (ms / 1000)).toLocaleString('en')} calls/s`);
  await application.stop(ctx, 'shop');
});
shop.shutdown();
console.log('\nThe demo grows with otp-ts: releases, hot upgrades and tracing join it as they land.');
