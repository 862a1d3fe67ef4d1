// Trace sessions started over rpc calls (no client pid: their owner is the calling process) count towards the
// calling node's share of the cap, as a client's do: one node cannot take every session of the node it traces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, rpc } from '../src/index.ts';
import { EpmdServer } from '../src/distribution/epmd-server.ts';
import { MAX_TRACE_SESSIONS } from '../src/trace/agent.ts';

test('a node starting trace sessions over rpc calls is refused past one client\'s share, in one sentence, not only past the node\'s total', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: 'cap_a@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    await b.startDistribution({ name: 'cap_b@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    const idle = a.spawn(async (ctx) => void (await ctx.receive((m) => m === 'never')));
    const spec = { procs: true, pids: [idle.toString()], timeMs: 600_000 };
    // One caller that stays alive while it starts them (each session ends when its owner goes).
    const results = await b.run(async (ctx) => {
      const out: unknown[] = [];
      for (let i = 0; i <= MAX_TRACE_SESSIONS.perClient; i++) out.push(await rpc.call(ctx, 'cap_a@127.0.0.1', 'otp_trace', 'start', [spec]));
      return out;
    });
    const oks = results.filter((r) => (r as { ok: boolean }).ok);
    assert.equal(oks.length, MAX_TRACE_SESSIONS.perClient, JSON.stringify(results.slice(-1)));
    assert.match(String((results.at(-1) as { error: string }).error), /^this client already runs 8 trace sessions on cap_a@127\.0\.0\.1, the most one client may: stop one of them/);
    a.exit(idle, 'kill');
  } finally {
    await b.shutdown();
    await a.shutdown();
    await epmd.close();
  }
});
