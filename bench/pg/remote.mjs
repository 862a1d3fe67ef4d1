// The pg cross-node workloads on otp-ts, measured from this node against a peer OS process (remote-peer.mjs).
// Usage: node remote.mjs PEER COOKIE REPS  (prints one JSON line)
import { createNode, loggerOf, pg } from '@otp-ts/runtime';

const [peer, cookie, repsArg] = process.argv.slice(2);
const reps = Number(repsArg ?? 3);
const N = 10_000;
const K = 1_000;
const idle = async (ctx) => {
  for (;;) await ctx.receive();
};
const is = (key) => (m) => typeof m === 'object' && m !== null && key in m;

const node = createNode();
loggerOf(node).setLevel('emergency');
await node.startDistribution({ name: `pg_remote_a_${process.pid}@127.0.0.1`, cookie, log: () => {} });
const out = await node.run(async (ctx) => {
  await pg.start(ctx);
  if (!(await ctx.node.ping(peer))) throw new Error(`cannot reach ${peer}`);
  const watcher = { name: 'pg_watch', node: peer };
  let round = 0;
  // N processes each join one of 100 groups, one join call each; timed until the peer has seen all N joins.
  const spread = async () => {
    const r = round++;
    const procs = Array.from({ length: N }, () => ctx.spawn(idle));
    ctx.send(watcher, { want: N, each: false, replyTo: ctx.self() });
    await ctx.receive(is('subscribed'));
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await pg.join(ctx, `spread${r}.${i % 100}`, procs[i]);
    const local = performance.now() - t0;
    await ctx.receive(is('seen'));
    const ms = performance.now() - t0;
    for (const p of procs) ctx.exit(p, 'kill');
    return { rate: N / (ms / 1000), local_rate: N / (local / 1000) };
  };
  // K single joins, each timed from the join call until the peer reports it saw it (one round trip back included).
  const latency = async () => {
    const group = `lat${round++}`;
    const procs = Array.from({ length: K }, () => ctx.spawn(idle));
    ctx.send(watcher, { want: K, each: true, replyTo: ctx.self() });
    await ctx.receive(is('subscribed'));
    const us = [];
    for (let i = 0; i < K; i++) {
      const t0 = performance.now();
      await pg.join(ctx, group, procs[i]);
      await ctx.receive((m) => is('ack')(m) && m.ack === i + 1);
      us.push((performance.now() - t0) * 1000);
    }
    await ctx.receive(is('seen'));
    for (const p of procs) ctx.exit(p, 'kill');
    us.sort((a, b) => a - b);
    return { median_us: us[K >> 1], p99_us: us[Math.floor(K * 0.99)] };
  };
  await spread();
  await latency();
  const s = [];
  const l = [];
  for (let i = 0; i < reps; i++) {
    s.push(await spread());
    l.push(await latency());
  }
  s.sort((a, b) => b.rate - a.rate);
  l.sort((a, b) => a.median_us - b.median_us);
  return { rate: s[0].rate, median_rate: s[reps >> 1].rate, local_rate: s[0].local_rate, median_us: l[0].median_us, median_median_us: l[reps >> 1].median_us, p99_us: l[0].p99_us };
});
node.shutdown();
console.log(JSON.stringify(out));
