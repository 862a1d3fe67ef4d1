// The dist suite's otp-ts measuring node: connection set-up, ping-pong round trips, one-way throughput.
// Usage: node otp.mjs PEER COOKIE [RUNTIME] — RUNTIME, a bundle's path (versions.mjs); default the built package.
import { pathToFileURL } from 'node:url';

const [peer, cookie, runtime] = process.argv.slice(2);
const { createNode } = await import(runtime ? pathToFileURL(runtime).href : '@otp-ts/runtime');
const node = createNode();
await node.startDistribution({ name: `bench_otp_a@127.0.0.1`, cookie, log: () => {} });
const SAMPLES = 100;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Reconnection: this node reached the peer before (as BEAM's connect_node after disconnect_node).
const setup = [];
for (let i = 0; i < SAMPLES; i++) {
  node.dist.disconnect(peer);
  await new Promise((r) => setTimeout(r, 20));
  // As on the BEAM side: only a set-up counts, never a call that finds the node connected.
  if (node.nodes('connected').includes(peer)) throw new Error(`${peer} connected back within 20 ms`);
  const t0 = process.hrtime.bigint();
  if (!(await node.ping(peer))) throw new Error(`${peer} did not answer`);
  setup.push(Number(process.hrtime.bigint() - t0) / 1000);
}
// First contact: a fresh node each time, so nothing is known of the peer but its name.
const first = [];
for (let i = 0; i < SAMPLES; i++) {
  const fresh = createNode();
  await fresh.startDistribution({ name: `bench_otp_first${i}@127.0.0.1`, cookie, log: () => {} });
  await new Promise((r) => setTimeout(r, 20));
  const t0 = process.hrtime.bigint();
  if (!(await fresh.ping(peer))) throw new Error(`${peer} did not answer`);
  first.push(Number(process.hrtime.bigint() - t0) / 1000);
  fresh.shutdown();
}

const result = await node.run(async (ctx) => {
  // The pids behind the names, so sends are pid-addressed as on the BEAM side.
  const whereis = async (name) => {
    ctx.send({ name, node: peer }, ['whoami', ctx.self()]);
    return ctx.receive();
  };
  const echo = await whereis('echo');
  const sink = await whereis('sink');
  const pingpong = async (n) => {
    for (let i = n; i > 0; i--) {
      ctx.send(echo, [ctx.self(), i]);
      await ctx.receive();
    }
  };
  await pingpong(2000);
  const t0 = process.hrtime.bigint();
  await pingpong(20_000);
  const rtt = Number(process.hrtime.bigint() - t0) / 1000 / 20_000;
  const oneway = async (n, msg) => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      ctx.send(sink, msg);
      // A process yields at its receives: this is where a busy connection suspends it.
      if ((i & 255) === 255) await ctx.receive(() => false, 0);
    }
    ctx.send(sink, ['done', ctx.self()]);
    const c = await ctx.receive();
    if (c.count !== n) throw new Error(`the sink counted ${c.count} of ${n}`);
    return Math.round((n * 1e9) / Number(process.hrtime.bigint() - t));
  };
  const small = await oneway(200_000, ['small', 1]);
  const kb = await oneway(50_000, Buffer.alloc(1024, 'x'));
  return { setup_us: median(setup), first_us: median(first), rtt_us: rtt, small_per_s: small, kb_per_s: kb };
});
process.stdout.write(`${JSON.stringify(result)}\n`);
node.shutdown();
process.exit(0);
