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
