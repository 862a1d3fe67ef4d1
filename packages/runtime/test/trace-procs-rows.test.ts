// `otp_trace procs` asked over rpc for more rows than a node lists: before, `otp rpc NODE otp_trace procs
// '["memory", 100000]'` on a node of 100 000 processes answered with every one of them (one huge reply, built and
// sent while the node waited). The node now refuses more than PROCS_MAX_ROWS in one sentence naming the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, rpc, type Pid } from '@otp-ts/runtime';
import { EpmdServer, PROCS_MAX_ROWS } from '@otp-ts/runtime/tools';

test('otp_trace procs over rpc answers at most PROCS_MAX_ROWS rows and refuses more, naming the bound', { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const node = createNode();
  await node.startDistribution({ name: 'procs_rows@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  const pids: Pid[] = [];
  try {
    for (let i = 0; i < PROCS_MAX_ROWS + 200; i++) pids.push(node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'stop'))));
    const ask = (n: number) => node.run((ctx) => rpc.call(ctx, 'procs_rows@127.0.0.1', 'otp_trace', 'procs', ['memory', n]).then((v) => ({ ok: true, v }), (e: unknown) => ({ ok: false, v: e })));
    const most = await ask(PROCS_MAX_ROWS);
    assert.ok(most.ok, String(most.v));
    assert.equal((most.v as unknown[]).length, PROCS_MAX_ROWS);
    const over = await ask(100_000);
    const text = over.ok ? JSON.stringify(over.v).slice(0, 200) : String((over.v as Error)?.message ?? over.v);
    assert.ok(!over.ok || !Array.isArray(over.v), `100000 rows were refused, got: ${text}`);
    assert.match(JSON.stringify(over.v) + text, new RegExp(`from 1 to ${PROCS_MAX_ROWS} processes`));
  } finally {
    for (const p of pids) node.send(p, 'stop');
    node.shutdown();
    await epmd.close();
  }
});
