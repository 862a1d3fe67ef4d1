// A spec typed by hand (`otp rpc NODE otp_trace start '[{"patterns": "shop/cart.add"}]'`) is JSON of any shape:
// a list given as one string used to be read letter by letter, a name that is no string crashed the call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, rpc } from '@otp-ts/runtime';
import { EpmdServer, PROCS_MAX_WINDOW_MS, traceAgentOf, type TraceSpec } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

test('start refuses a spec whose patterns, pids or names are no list of strings, in one sentence naming the field', () =>
  withNode(async (node) => {
    const agent = traceAgentOf(node);
    const cases: Array<[unknown, RegExp]> = [
      [{ patterns: 'shop/cart.add' }, /^patterns must be a list of strings, e\.g\. \["shop\/cart\.add"\]; got "shop\/cart\.add"$/],
      [{ pids: 'all', procs: true }, /^pids must be a list of strings, e\.g\. \["<0\.42\.0>"\] or \["all"\]; got "all"$/],
      [{ names: [1], procs: true }, /^names must be a list of strings, e\.g\. \["shop_server"\]; got \[1\]$/],
      [['shop/cart.add'], /^the trace spec must be an object/],
    ];
    for (const [spec, error] of cases) {
      for (const dryRun of [false, true]) {
        const r = await agent.start(spec as TraceSpec, dryRun);
        assert.ok(!r.ok && r.code === 'badSpec', JSON.stringify(r));
        assert.match(r.error, error);
      }
    }
    assert.deepEqual(agent.list(), []);
    assert.equal(node.trace, null);
  }));

test('otp_trace procs, info and tree refuse arguments of the wrong kind in one sentence, never a TypeError', { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const node = createNode();
  await node.startDistribution({ name: 'spec_shape@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  try {
    await node.run(async (ctx) => {
      const call = (fn: string, args: unknown[]) => rpc.call(ctx, 'spec_shape@127.0.0.1', 'otp_trace', fn, args);
      await assert.rejects(call('procs', ['bogus']), /procs sorts by memory, mailbox or reductions, got "bogus"/);
      assert.ok(Array.isArray(await call('procs', ['mailbox', 3])));
      // A window past what the node measures is refused, not measured over less while the answer names the window asked.
      await assert.rejects(call('procs', ['reductions', 3, PROCS_MAX_WINDOW_MS + 1]), new RegExp(`procs measures growth over a window of 0 to ${PROCS_MAX_WINDOW_MS} ms \\(a longer one is not measured\\), got ${PROCS_MAX_WINDOW_MS + 1}$`));
      await assert.rejects(call('procs', ['memory', 3, '500']), /procs measures growth over a window of 0 to \d+ ms .*, got "500"$/);
      await assert.rejects(call('procs', ['memory', 0]), /procs shows from 1 to 1000 processes, the most a node lists in one answer, got 0$/);
      assert.ok(Array.isArray(await call('procs', ['mailbox', 3, 1])));
      assert.deepEqual(await call('info', [{ x: 1 }]), { ok: false, error: 'info takes a pid (<0.42.0>) or a registered name, got {"x":1}' });
      assert.deepEqual(await call('tree', [7]), { ok: false, error: "tree takes an application's name, got 7" });
      assert.equal(((await call('tree', [])) as { ok: boolean }).ok, true);
    });
  } finally {
    node.shutdown();
    await epmd.close();
  }
});
