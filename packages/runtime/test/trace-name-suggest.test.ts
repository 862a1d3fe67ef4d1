// `otp trace --name X` and `otp info X` with a name nobody holds suggest the closest registered names. They were
// found by building every process's info and measuring every name against the word typed: on a node of 100 000
// processes that held the node, and a long name typed (or registered) held it for minutes. The names now come
// from the registry alone, and as many as SUGGEST_FROM_REGISTRY says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pid } from '@otp-ts/runtime';
import { processDetails, traceAgentOf } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

test('a name nobody holds is answered with the closest registered names, without reading each process', { timeout: 120_000 }, () =>
  withNode(async (node) => {
    const pids: Pid[] = [];
    for (let i = 0; i < 20_000; i++) pids.push(node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'stop'))));
    await node.run(async (ctx) => {
      ctx.register('cart_server', pids[0]!);
      ctx.register('shop_sup', pids[1]!);
      // Counts what asking about each process costs: a suggestion needs none of it.
      const info = node.processInfo.bind(node);
      let read = 0;
      node.processInfo = (pid) => {
        read++;
        return info(pid);
      };
      const r = await traceAgentOf(node).start({ messages: true, names: ['cart_servr'], client: ctx.self() });
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.code === 'badProcess' && /no process is registered as 'cart_servr' .*\(closest: cart_server\)/.test(r.error), JSON.stringify(r));
      assert.deepEqual(!r.ok && r.suggestions, ['cart_server']);
      const details = await processDetails(node, 'shop_sop');
      assert.ok(!details.ok && /\(closest: shop_sup\)/.test(details.error), JSON.stringify(details));
      assert.equal(read, 0, 'no process was read to suggest a name');
      node.processInfo = info;
    });
    for (const p of pids) node.send(p, 'stop');
  }));

test('a long name nobody holds, on a node with long registered names, is refused at once', { timeout: 120_000 }, () =>
  withNode(async (node) => {
    const pids: Pid[] = [];
    for (let i = 0; i < 300; i++) pids.push(node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'stop'))));
    await node.run(async (ctx) => {
      pids.forEach((p, i) => ctx.register(`worker_${i}_${'w'.repeat(2000)}`, p));
      const typed = 'y'.repeat(50_000);
      const r = await traceAgentOf(node).start({ messages: true, names: [typed], client: ctx.self() });
      assert.ok(!r.ok && r.code === 'badProcess', JSON.stringify(r).slice(0, 200));
      assert.deepEqual(!r.ok && r.suggestions, []);
      const details = await processDetails(node, `worker_1_${'w'.repeat(1990)}`);
      assert.ok(!details.ok && /no process is registered as/.test(details.error), JSON.stringify(details).slice(0, 200));
    });
    for (const p of pids) node.send(p, 'stop');
  }));
