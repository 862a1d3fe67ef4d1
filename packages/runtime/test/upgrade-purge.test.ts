import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, upgradeModules, type GenServer, type ProcessFn } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// An upgrade purges the version before the running one, as a load does: the processes still running that oldest
// version are killed and counted, found in the turn that installs (a process spawned from it while the upgrade waits too), while the servers on the running version
// are migrated and live on.

const mod = (n: number, codeChange: boolean): string => `
import { ok, reply, type GenServer, type ProcessContext } from '@otp-ts/runtime';
export async function idle(ctx: ProcessContext) { await ctx.receive(); return ${n}; }
export const srv: GenServer<{ vsn: number }, 'get', never, unknown, void> = {
  init: () => ok({ vsn: ${n} }),
  handleCall: (_r, _f, s) => reply(s, s),${codeChange ? `\n  codeChange: () => ({ vsn: ${n} }),` : ''}
};`;

test('an upgrade kills and counts the processes still running the version it purges; the servers it migrates live on', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/upg_purge', mod(1, false), '1'));
    const oldest = node.spawn((code.exportsOf('app/upg_purge') as { idle: ProcessFn }).idle);
    await code.load(compileModule('app/upg_purge', mod(2, false), '2'));
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, (code.exportsOf('app/upg_purge') as { srv: GenServer<{ vsn: number }, 'get', never, unknown, void> }).srv, undefined);
      assert.equal(ctx.isAlive(oldest), true, 'two versions may coexist');
      const report = await upgradeModules(ctx, code, [compileModule('app/upg_purge', mod(3, true), '3')]);
      assert.equal(report.purged, 1, 'the process on version 1 was counted');
      assert.deepEqual(report.killed, [{ pid: oldest, module: 'app/upg_purge' }], 'and named');
      assert.equal(ctx.isAlive(oldest), false, 'and killed with its version');
      assert.deepEqual(report.processes, [srv]);
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { vsn: 3 }, 'the server on version 2 migrated to 3');
      assert.deepEqual(code.versions('app/upg_purge'), { current: '3', old: '2' });
    });
  });
});

// Version n with a server whose 'work' waits for a 'go' message inside its callback.
const busyMod = (n: number, codeChange: boolean): string =>
  mod(n, codeChange).replace('handleCall: (_r, _f, s) => reply(s, s),', "handleCall: async (r, _f, s, ctx) => { if (r === 'work') await ctx.receive((m) => m === 'go'); return reply(s, s); },").replace("'get'", "'get' | 'work'");

test('a process spawned from the purged version while the upgrade waits on a busy server is killed with that version, and counted', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/upg_late', busyMod(1, false), '1'));
    const idle1 = (code.exportsOf('app/upg_late') as { idle: ProcessFn }).idle;
    await code.load(compileModule('app/upg_late', busyMod(2, false), '2'));
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, (code.exportsOf('app/upg_late') as { srv: GenServer<{ vsn: number }, 'get' | 'work', never, unknown, void> }).srv, undefined);
      const work = node.run((w) => genServer.call(w, srv, 'work', Infinity));
      const deadline = Date.now() + 5000;
      while (ctx.processInfo(srv)?.currentFunction !== 'gen_server.handleCall') {
        if (Date.now() > deadline) throw new Error(`the server never entered its callback: ${ctx.processInfo(srv)?.currentFunction}`);
        await ctx.sleep(1);
      }
      const upgrade = node.run((u) => upgradeModules(u, code, [compileModule('app/upg_late', busyMod(3, true), '3')]));
      // The upgrade's suspend waits in the busy server's mailbox: the upgrade is waiting on it.
      while ((ctx.processInfo(srv)?.messageQueueLen ?? 0) === 0) {
        if (Date.now() > deadline) throw new Error('the upgrade never asked the server to suspend');
        await ctx.sleep(1);
      }
      const late = ctx.spawn(idle1);
      ctx.send(srv, 'go');
      const report = await upgrade;
      await work;
      assert.equal(ctx.isAlive(late), false, 'the process on version 1 spawned during the wait was killed with its version');
      assert.deepEqual(report.killed, [{ pid: late, module: 'app/upg_late' }]);
      assert.deepEqual(code.versions('app/upg_late'), { current: '3', old: '2' });
    });
  });
});
