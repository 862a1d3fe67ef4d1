// `npm run demo`: what otp-ts does today, end to end, with its figures. It grows into the full main job
// (scaffold, test, release, load, hot upgrade, trace) as the packages for those land.
import { createNode, isDown, isExit } from '@otp-ts/runtime';

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
console.log('\nThe demo grows with otp-ts: releases, hot upgrades and tracing join it as they land.');
