import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runtime from '@otp-ts/runtime';
import { genEvent, type Pid } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

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
export const install = (ctx: ProcessContext, mgr: unknown) => genEvent.addSupHandler(ctx, mgr as never, makeHandler('a'), undefined);`;

type Api = { install: (ctx: runtime.ProcessContext, mgr: Pid) => Promise<void> };

test('a gen_event handler a factory made is named by the upgrade as staying on the old code, holds off a soft purge, and a purge removes it (gen_event_EXIT to its supervisor) while its manager lives', async () => {
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
      assert.deepEqual(report.stranded, [{ pid: mgr, module: 'app/audit', kind: 'handler' }], 'the report names its manager as staying on the old code');
      assert.equal(await genEvent.call(ctx, mgr as never, handler as never, 'get'), 'v1:a:1', 'it still runs version 1');
      assert.deepEqual(code.processesRunning(code.record('app/audit').old!).map((p) => p.pid), [mgr], 'its manager counts as running the old version');
      assert.equal(code.softPurge('app/audit'), false, 'a soft purge sees it');
      assert.equal(code.purge('app/audit'), 0, 'a purge kills no process: an OTP manager calls its handlers by module, and lives');
      const exit = (await ctx.receive((m): m is genEvent.HandlerExit => genEvent.isHandlerExit(m), 5000)) as genEvent.HandlerExit;
      assert.equal(exit.handler, handler, 'the process that added it hears of its removal');
      assert.match(String(exit.reason), /app\/audit.*purged/, 'with a crash reason naming the purged module');
      assert.ok(ctx.isAlive(mgr), 'the manager lives');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr as never), [], 'the handler is removed');
      await genEvent.notify(ctx, mgr as never, 'e');
      await genEvent.stop(ctx, mgr as never);
    });
  });
});

// An exported handler of an application's module, installed in another application's manager: removing the module
// (its application removed) must not take that manager down; OTP's handler crashes on its next event (undef) and is removed.
const logger = `
import { genEvent } from '@otp-ts/runtime';
export const fileLog = { name: 'fileLog', init: () => genEvent.ok(0), handleEvent: (_e: unknown, n: number) => genEvent.ok(n + 1) };`;

test("deleting and purging a module whose exported handler another manager runs removes that handler and the manager lives", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('logs/file', logger, '1'));
    await node.run(async (ctx) => {
      const mgr = (await genEvent.start(ctx)) as unknown as Pid;
      const { fileLog } = code.exportsOf('logs/file') as { fileLog: object };
      await genEvent.addSupHandler(ctx, mgr as never, fileLog as never, undefined);
      code.delete('logs/file');
      assert.equal(code.purge('logs/file'), 0, 'no process is killed');
      const exit = (await ctx.receive((m): m is genEvent.HandlerExit => genEvent.isHandlerExit(m), 5000)) as genEvent.HandlerExit;
      assert.equal(exit.handler, fileLog);
      assert.match(String(exit.reason), /logs\/file.*purged/);
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr as never), [], 'the handler of the purged module is gone');
      assert.ok(ctx.isAlive(mgr), 'the manager lives');
      await genEvent.stop(ctx, mgr as never);
    });
  });
});
