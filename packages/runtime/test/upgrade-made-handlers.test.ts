import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runtime from '@otp-ts/runtime';
import { genEvent, type Pid } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor, ended } from './helpers.ts';

// A gen_event handler a factory of the module makes at run time (`makeHandler(opts)`): no export is the object, so no
// upgrade can migrate it; the manager runs the module's code all the same, as an OTP manager holding its funs would.
const audit = (tag: string) => `
import { genEvent, type ProcessContext } from '@otp-ts/runtime';
export function makeHandler(label: string) {
  return {
    name: 'audit',
    init: () => genEvent.ok(0),
    handleEvent: (_e: unknown, n: number) => genEvent.ok(n + 1),
    handleCall: (_req: 'get', n: number) => genEvent.reply('${tag}:' + label + ':' + n, n),
  };
}
export const install = (ctx: ProcessContext, mgr: unknown) => genEvent.addHandler(ctx, mgr as never, makeHandler('a'), undefined);`;

type Api = { install: (ctx: runtime.ProcessContext, mgr: Pid) => Promise<void> };

test('a gen_event handler a factory made is named by the upgrade as staying on the old code, holds off a soft purge and its manager is killed by a purge', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/audit', audit('v1'), '1'));
    await node.run(async (ctx) => {
      const mgr = (await genEvent.start(ctx)) as unknown as Pid;
      await (code.exportsOf('app/audit') as Api).install(ctx, mgr);
      const [handler] = await genEvent.whichHandlers(ctx, mgr as never);
      await genEvent.notify(ctx, mgr as never, 'e');
      assert.equal(await genEvent.call(ctx, mgr as never, handler as never, 'get'), 'v1:a:1');
      const report = await runtime.upgradeModules(ctx, code, [compileModule('app/audit', audit('v2'), '2')], {});
      assert.deepEqual(report.processes, [], 'nothing could migrate it');
      assert.deepEqual(report.stranded, [{ pid: mgr, module: 'app/audit' }], 'the report names its manager as staying on the old code');
      assert.equal(await genEvent.call(ctx, mgr as never, handler as never, 'get'), 'v1:a:1', 'it still runs version 1');
      assert.deepEqual(code.processesRunning(code.record('app/audit').old!).map((p) => p.pid), [mgr], 'its manager counts as running the old version');
      assert.equal(code.softPurge('app/audit'), false, 'a soft purge sees it');
      assert.equal(code.purge('app/audit'), 1, 'a purge kills its manager, as OTP kills a process holding funs of purged code');
      await ended(ctx, mgr);
    });
  });
});
