// A node that did not run for longer than the tick time (a long synchronous turn, a machine too loaded to schedule it)
// does not declare its peers down for the silence of its own stall: what they sent meanwhile waits unread in the
// socket, and the tick check runs (timers first) before the socket is read. Before, the first check after a stall
// closed every connection with net_tick_timeout. Nodes in one process, real TCP on loopback: the stall stops both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, NodeDown } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';

// Keeps this process from running anything else for `ms`: the stall the test is about, not a wait.
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* busy */
  }
}

test('a node stalled for three tick times keeps its connection: its own stall is not the peer\'s silence', { timeout: 120_000 }, async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  const logs: string[] = [];
  try {
    await b.startDistribution({ name: 'stall_b@127.0.0.1', cookie: 'sekrit', epmdPort: port, tickTime: 1000, log: (l) => logs.push(l) });
    await a.startDistribution({ name: 'stall_a@127.0.0.1', cookie: 'sekrit', epmdPort: port, tickTime: 1000, log: (l) => logs.push(l) });
    b.spawn(
      async (ctx) => {
        for (;;) {
          const m = (await ctx.receive()) as { from: never; n: number };
          ctx.send(m.from, m.n + 1);
        }
      },
      { name: 'echo' },
    );
    await a.run(async (ctx) => {
      ctx.monitorNode('stall_b@127.0.0.1');
      ctx.send({ name: 'echo', node: 'stall_b@127.0.0.1' }, { from: ctx.self(), n: 1 });
      assert.equal(await ctx.receive((x) => typeof x === 'number' || x instanceof NodeDown, 30_000), 2);
      stall(3000);
      // The first timers after the stall run before either socket is read: a tick check counting the stall as
      // silence closes the connection there, and this answer never comes.
      ctx.send({ name: 'echo', node: 'stall_b@127.0.0.1' }, { from: ctx.self(), n: 2 });
      const m = await ctx.receive((x) => typeof x === 'number' || x instanceof NodeDown, 30_000);
      assert.equal(m, 3, `the connection was closed after the stall: ${String((m as NodeDown)?.detail)}\n${logs.join('\n')}`);
      assert.deepEqual(a.nodes(), ['stall_b@127.0.0.1']);
    });
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
});
