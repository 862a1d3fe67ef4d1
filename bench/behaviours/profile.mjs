// A driver for CPU profiles of the lagging behaviour workloads (issue 20's method): runs one workload in rounds,
// so the profile shows the steady state rather than start-up.
// Usage: node --cpu-prof [--conditions otp-ts-source --import ./scripts/register-ts.mjs] bench/behaviours/profile.mjs cast|start|bare [ROUNDS]
// OTP_RUNTIME: another copy of the runtime's entry to compare against (an A/B run of the same workload).
const { createNode, genServer, loggerOf, ok, noreply, reply, TIMEOUT } = await import(process.env.OTP_RUNTIME ?? '@otp-ts/runtime');

const server = {
  init: (n) => ok(n),
  handleCall: (_req, _from, s) => reply('pong', s),
  handleCast: (_req, s) => noreply(s + 1),
};

const rounds = Number(process.argv[3] ?? 10);
const node = createNode();
loggerOf(node).setLevel('emergency');

const workloads = {
  // 1M casts to one server, then one call that waits until it handled them all (otp.mjs's cast).
  async cast(ctx) {
    const srv = await genServer.start(ctx, server, 0);
    const t0 = performance.now();
    for (let i = 0; i < 1_000_000; i++) genServer.cast(ctx, srv, 'inc');
    await genServer.call(ctx, srv, 'ping', Infinity);
    ctx.exit(srv, 'kill');
    return 1_000_000 / ((performance.now() - t0) / 1000);
  },
  // 10k idle gen_servers started one after another (otp.mjs's idle_server), then killed.
  async start(ctx) {
    const pids = new Array(10_000);
    const t0 = performance.now();
    for (let i = 0; i < pids.length; i++) pids[i] = await genServer.start(ctx, server, 0);
    const rate = pids.length / ((performance.now() - t0) / 1000);
    for (const p of pids) ctx.exit(p, 'kill');
    await ctx.sleep(1);
    return rate;
  },
  // The bare message path under cast: 1M plain sends to a process draining its mailbox (no gen_server).
  async bare(ctx) {
    const me = ctx.self();
    const rx = ctx.spawn(async (c) => {
      for (let got = 0; got < 1_000_001; got++) if (c.receiveNow() === TIMEOUT) await c.receive();
      c.send(me, 'done');
    });
    const t0 = performance.now();
    for (let i = 0; i <= 1_000_000; i++) ctx.send(rx, 'inc');
    await ctx.receive((m) => m === 'done');
    return 1_000_000 / ((performance.now() - t0) / 1000);
  },
};

const run = workloads[process.argv[2]];
if (!run) {
  console.error(`unknown workload '${process.argv[2]}': one of ${Object.keys(workloads).join(', ')}`);
  process.exit(2);
}
const rates = await node.run(async (ctx) => {
  const out = [];
  for (let r = 0; r < rounds; r++) out.push(Math.round(await run(ctx)));
  return out;
});
node.shutdown();
console.log(JSON.stringify({ workload: process.argv[2], rates }));
