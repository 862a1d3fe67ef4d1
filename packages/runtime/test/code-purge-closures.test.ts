import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upgradeModules, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// A process spawned with a closure a module's code made (`ctx.spawn(() => loop())`, not an export) runs that module
// version's code, as an Erlang process holding a fun of it does: a soft purge of that version refuses, and a purge (a
// load's, an upgrade's, code.purge) kills it. One spawned with another version's closure, or with code of no module,
// lives on.

const worker = (n: number): string => `
import type { ProcessContext } from '@otp-ts/runtime';
async function loop(ctx: ProcessContext): Promise<void> { for (;;) { const m = await ctx.receive() as { from: any }; ctx.send(m.from, ${n}); } }
export function start(ctx: ProcessContext) { return ctx.spawn((c) => loop(c)); }`;

type Starter = { start: (ctx: ProcessContext) => Pid };

test('a purge kills the processes spawned with a closure of the purged version, and a soft purge refuses while they run', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/cl_worker', worker(1), '1'));
    await node.run(async (ctx) => {
      const v1 = (code.exportsOf('app/cl_worker') as Starter).start(ctx);
      // Same text, no module: a closure the caller made is no module's code.
      const mine = ctx.spawn(async (c) => { for (;;) await c.receive(); });
      await code.load(compileModule('app/cl_worker', worker(2), '2'));
      const v2 = (code.exportsOf('app/cl_worker') as Starter).start(ctx);
      ctx.send(v1, { from: ctx.self() });
      assert.equal(await ctx.receive(), 1, 'the version 1 worker runs version 1 code');
      assert.equal(code.softPurge('app/cl_worker'), false, 'a soft purge refuses while a process runs a closure of version 1');
      assert.deepEqual(code.versions('app/cl_worker'), { current: '2', old: '1' });
      assert.equal(code.purge('app/cl_worker'), 1, 'the purge kills the one process on version 1');
      assert.equal(ctx.isAlive(v1), false);
      assert.equal(ctx.isAlive(v2), true, 'the worker spawned from version 2 lives');
      assert.equal(ctx.isAlive(mine), true, 'a closure of no module lives');
      assert.equal(code.softPurge('app/cl_worker'), true);
    });
  });
});

test('an upgrade that purges a version kills and reports the processes spawned with its closures', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/cl_upg', worker(1), '1'));
    await node.run(async (ctx) => {
      const v1 = (code.exportsOf('app/cl_upg') as Starter).start(ctx);
      await upgradeModules(ctx, code, [compileModule('app/cl_upg', worker(2), '2')]);
      const v2 = (code.exportsOf('app/cl_upg') as Starter).start(ctx);
      assert.equal(ctx.isAlive(v1), true, 'two versions may coexist');
      const report = await upgradeModules(ctx, code, [compileModule('app/cl_upg', worker(3), '3')]);
      assert.deepEqual(report.killed, [{ pid: v1, module: 'app/cl_upg' }], 'the process on version 1 is named');
      assert.equal(ctx.isAlive(v1), false, 'and killed with its version');
      ctx.send(v2, { from: ctx.self() });
      assert.equal(await ctx.receive(), 2, 'the version 2 worker lives on its code');
      // A load purges as well.
      await code.load(compileModule('app/cl_upg', worker(4), '4'));
      assert.equal(ctx.isAlive(v2), false, 'a load purging version 2 kills its worker');
    });
  });
});
