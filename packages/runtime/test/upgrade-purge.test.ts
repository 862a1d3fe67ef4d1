import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, upgradeModules, type GenServer, type ProcessFn } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// An upgrade purges the version before the running one, as a load does: the processes still running that oldest
// version are killed and counted, found before anything is suspended, while the servers on the running version
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
