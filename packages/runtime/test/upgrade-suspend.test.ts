import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, sys, upgradeModules, type GenServer, type Pid, type ProcessContext, type UpgradeError } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';
import { editsOrFail } from '../../../test/support/wait.ts';

// Processes that call each other inside their callbacks are suspended together without a deadlock: a caller
// blocked in a call to a process already suspended gets its answer, suspends, and then its callee suspends again.

// A `pair` server: 'work' waits for a 'go' message, then calls its peer (a server, or a pid given later) with 'ping'.
const pairV1 = `
import { ok, reply, genServer, type GenServer } from '@otp-ts/runtime';
export const pair: GenServer<{ peer: unknown; pings: number }, 'work' | 'ping' | 'get', never, unknown, unknown> = {
  name: 'pair',
  init: (peer) => ok({ peer, pings: 0 }),
  handleCall: async (req, _from, s, ctx) => {
    if (req === 'ping') return reply('pong', { ...s, pings: s.pings + 1 });
    if (req === 'get') return reply({ vsn: 1, s }, s);
    await ctx.receive((m) => m === 'go');
    return reply(await genServer.call(ctx, s.peer as never, 'ping' as never, Infinity), s);
  },
};`;
const pairV2 = editsOrFail(pairV1, [
  ['{ vsn: 1, s }', '{ vsn: 2, s }'],
  ["handleCall: async", 'codeChange: (_o: unknown, s: any) => ({ ...s, migrated: true }),\n  handleCall: async'],
]);

type Pair = { pair: GenServer<unknown, 'work' | 'ping' | 'get', never, unknown, unknown> };

// Waits, with a deadline, until `done` holds.
async function until(ctx: ProcessContext, what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await ctx.sleep(1);
  }
}

const inWork = (ctx: ProcessContext, pid: Pid) => () => ctx.processInfo(pid)?.currentFunction === 'pair.handleCall';

const other: GenServer<null, 'ping', never, string, void> = { name: 'other', init: () => ({ type: 'ok', state: null }), handleCall: (_r, _f, s) => ({ type: 'reply', reply: 'pong', state: s }) };

test('a server blocked in a call to a server the upgrade already suspended is answered, then both are suspended and migrated', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/pair', pairV1, '1'));
    await node.run(async (ctx) => {
      const mod = (code.exportsOf('app/pair') as Pair).pair;
      // An idle server is migrated without being suspended through sys: b is busy in a callback too (it calls c
      // once released), so the upgrade suspends both through sys.
      const c = await genServer.start(ctx, other, undefined);
      const b = await genServer.start(ctx, mod, c);
      const a = await genServer.start(ctx, mod, b);
      const bWork = node.run((w) => genServer.call(w, b, 'work', Infinity));
      const work = node.run((w) => genServer.call(w, a, 'work', Infinity));
      await until(ctx, 'a and b in their callbacks', () => inWork(ctx, a)() && inWork(ctx, b)());
      const upgrade = node.run((u) => upgradeModules(u, code, [compileModule('app/pair', pairV2, '2')]));
      // b finishes its callback and suspends; a is still inside its callback. Only now does a call b.
      ctx.send(b, 'go');
      await until(ctx, 'b suspended', async () => (await sys.getStatus(ctx, b)).status === 'suspended');
      ctx.send(a, 'go');
      const report = await upgrade;
      assert.deepEqual(new Set(report.processes), new Set([a, b]));
      assert.equal(await bWork, 'pong');
      assert.equal(await work, 'pong', 'the call a was blocked in was answered');
      assert.deepEqual(await genServer.call(ctx, b, 'get'), { vsn: 2, s: { peer: c, pings: 1, migrated: true } }, 'b migrated the state it had after serving a');
      assert.deepEqual(await genServer.call(ctx, a, 'get'), { vsn: 2, s: { peer: b, pings: 0, migrated: true } });
    });
  });
});

test('a server blocked in a call to a process suspended by someone else is reported with the call it is blocked in', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/pair', pairV1, '1'));
    await node.run(async (ctx) => {
      const c = await genServer.start(ctx, other, undefined);
      const a = await genServer.start(ctx, (code.exportsOf('app/pair') as Pair).pair, c);
      await sys.suspend(ctx, c);
      const work = node.run((w) => genServer.call(w, a, 'work', Infinity));
      await until(ctx, 'a in its callback', inWork(ctx, a));
      ctx.send(a, 'go');
      await assert.rejects(upgradeModules(ctx, code, [compileModule('app/pair', pairV2, '2')], { timeoutMs: 200 }), (e: UpgradeError) => {
        assert.equal(e.stage, 'suspend');
        assert.equal(e.pid, a);
        assert.equal(e.message, `upgrade rolled back: ${a} (app/pair) could not be suspended within 200 ms: it is blocked in a call to ${c} (other), which is suspended`);
        return true;
      });
      assert.equal(code.versions('app/pair').current, '1', 'no code was swapped');
      await sys.resume(ctx, c);
      assert.equal(await work, 'pong');
      assert.deepEqual(await genServer.call(ctx, a, 'get'), { vsn: 1, s: { peer: c, pings: 0 } }, 'a serves again, on the old code');
    });
  });
});
