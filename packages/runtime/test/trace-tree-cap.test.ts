// `otp tree` of a node whose simpleOneForOne pool holds a great many workers: before, `otp_trace tree` walked and
// answered every child (100 000 rows, built in one pass of the node's loop). It now holds the first TREE_MAX_CHILDREN
// of each supervisor and counts the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, createNode, genServer, ok, reply, rpc, supervisor, type GenServer, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer, TREE_MAX_CHILDREN } from '@otp-ts/runtime/tools';
import { quietLogs } from './helpers.ts';

test('otp_trace tree over rpc holds the first TREE_MAX_CHILDREN children of a supervisor and counts the rest', { timeout: 120_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const node = createNode();
  quietLogs(node);
  await node.startDistribution({ name: 'tree_cap@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  try {
    const worker: GenServer<void, 'ping', never, 'pong', void> = { init: () => ok(undefined), handleCall: (_m, _f, s) => reply('pong' as const, s) };
    const pool = { init: () => ({ flags: { strategy: 'simpleOneForOne' as const }, children: [{ id: 'w', start: (c: ProcessContext) => genServer.startLink(c, worker, undefined) }] }) };
    await node.run((ctx) => application.load(ctx, { name: 'cap_pool', vsn: '1', mod: { start: (_t, _a, c) => supervisor.startLink(c, pool, undefined, { name: 'cap_pool_sup' }) } }));
    await node.run((ctx) => application.start(ctx, 'cap_pool'));
    await node.run(async (ctx) => {
      for (let i = 0; i < TREE_MAX_CHILDREN + 25; i++) await supervisor.startChild(ctx, 'cap_pool_sup', []);
    });
    const r = (await node.run((ctx) => rpc.call(ctx, 'tree_cap@127.0.0.1', 'otp_trace', 'tree', ['cap_pool']))) as { ok: boolean; apps: Array<{ children: Array<{ name?: string; children: unknown[]; more?: number }> }> };
    assert.ok(r.ok);
    const sup = r.apps[0]!.children[0]!;
    assert.equal(sup.name, 'cap_pool_sup');
    assert.equal(sup.children.length, TREE_MAX_CHILDREN);
    assert.equal(sup.more, 25);
  } finally {
    node.shutdown();
    await epmd.close();
  }
});
