import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runtime from '@otp-ts/runtime';
import { genServer, type Pid } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor, ended } from './helpers.ts';

// A gen_server whose callback object a factory of the module makes at run time (`makeServer(opts)`): no export is the
// object, so no upgrade can migrate it; it runs the module's code all the same, as OTP's process runs its module's.
const pool = (tag: string) => `
import { genServer, ok, reply, type ProcessContext } from '@otp-ts/runtime';
export function makeServer(label: string) {
  return {
    init: () => ok(0),
    handleCall: (_req: 'get', _from: unknown, n: number) => reply('${tag}:' + label + ':' + n, n + 1),
    codeChange: (_old: unknown, n: number) => n,
  };
}
export const startLink = (ctx: ProcessContext) => genServer.startLink(ctx, makeServer('p'), undefined);`;

type Api = { startLink: (ctx: runtime.ProcessContext) => Promise<Pid> };

test('a gen_server running callbacks a factory made is named by the upgrade as staying on the old code, holds off a soft purge and is killed by a purge', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/pool', pool('v1'), '1'));
    await node.run(async (ctx) => {
      const srv = await (code.exportsOf('app/pool') as Api).startLink(ctx);
      ctx.unlink(srv);
      assert.equal(await genServer.call(ctx, srv, 'get'), 'v1:p:0');
      const report = await runtime.upgradeModules(ctx, code, [compileModule('app/pool', pool('v2'), '2')], {});
      assert.deepEqual(report.processes, [], 'nothing could migrate it');
      assert.deepEqual(report.stranded, [{ pid: srv, module: 'app/pool' }], 'the report names it as staying on the old code');
      assert.equal(await genServer.call(ctx, srv, 'get'), 'v1:p:1', 'it still runs version 1');
      assert.deepEqual(code.processesRunning(code.record('app/pool').old!).map((p) => p.pid), [srv], 'it counts as running the old version');
      assert.equal(code.softPurge('app/pool'), false, 'a soft purge sees it');
      assert.equal(code.purge('app/pool'), 1, 'a purge kills it, as OTP kills a process running purged code');
      await ended(ctx, srv);
    });
  });
});

// A pool of servers a factory made, each object holding the module's own closures and a library's functions spread
// in: past 64 objects the code server looks up one own closure an object rather than all (code/server.ts).
const lib = (tag: string) => `
import { noreply } from '@otp-ts/runtime';
export const common = { handleCast: (_req: unknown, n: number) => noreply(n), handleInfo: (_m: unknown, n: number) => noreply(n), tag: '${tag}' };`;
const mixedPool = (tag: string) => `
import { genServer, ok, reply, type ProcessContext } from '@otp-ts/runtime';
import { common } from './lib';
export function makeServer(label: string) {
  return { ...common, init: () => ok(0), handleCall: (_req: 'get', _from: unknown, n: number) => reply('${tag}:' + label + ':' + common.tag, n + 1) };
}
export const start = (ctx: ProcessContext, i: number) => genServer.start(ctx, makeServer('p' + i), undefined);`;

test("in a pool of 100 made servers whose objects mix their own closures with a library's, an upgrade of either module names every server, and each purge kills them all", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/lib', lib('l1'), '1'));
    await code.load(compileModule('app/pool', mixedPool('v1'), '1'));
    await node.run(async (ctx) => {
      const start = (code.exportsOf('app/pool') as { start: (c: runtime.ProcessContext, i: number) => Promise<Pid> }).start;
      const pids: Pid[] = [];
      for (let i = 0; i < 100; i++) pids.push(await start(ctx, i));
      const byPid = (xs: Array<{ pid: Pid }>) => xs.map((x) => String(x.pid)).sort();
      const pool = await runtime.upgradeModules(ctx, code, [compileModule('app/pool', mixedPool('v2'), '2')], {});
      assert.deepEqual(byPid(pool.stranded), byPid(pids.map((pid) => ({ pid }))), 'the pool module\'s upgrade names all 100');
      const library = await runtime.upgradeModules(ctx, code, [compileModule('app/lib', lib('l2'), '2')], {});
      assert.deepEqual(byPid(library.stranded), byPid(pids.map((pid) => ({ pid }))), 'so does the library\'s, whose functions they hold');
      assert.equal(code.purge('app/lib'), 100, 'a purge of the library\'s old version kills the 100');
      for (const pid of pids) await ended(ctx, pid);
    });
  });
});
