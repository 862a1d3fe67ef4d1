// The ping-pong workload two suites share (runtime, and trace against the runtime before its hooks):
// two processes pass a message back and forth n times; resolves to the elapsed milliseconds.
export function pingpong(node, n) {
  return node.run(async (ctx) => {
    const me = ctx.self();
    const pong = ctx.spawn(async (c) => {
      for (;;) {
        const m = await c.receive();
        if (m === 'stop') return;
        c.send(m.from, 'pong');
      }
    });
    const ping = { from: me };
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      ctx.send(pong, ping);
      await ctx.receive();
    }
    const ms = performance.now() - t0;
    ctx.send(pong, 'stop');
    return ms;
  });
}
