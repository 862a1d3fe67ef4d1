import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runtime from '@otp-ts/runtime';
import { genServer, type Pid } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// A callback module written as a module's own exports, started through its namespace (`import * as counter from
// './counter'; genServer.start(ctx, counter)`), as an Erlang gen_server names its module.
const counter = (vsn: number, shape: string) => `
import { ok, reply } from '@otp-ts/runtime';
export const init = () => ok(${shape === 'n' ? '{ n: 0 }' : '{ count: 0 }'});
export const handleCall = (_r: 'bump', _f: unknown, s: any) => { ${shape === 'n' ? 's = { n: s.n + 1 }' : 's = { count: s.count + 1 }'}; return reply({ vsn: ${vsn}, s }, s); };
${vsn === 2 ? "export const codeChange = (old: any, s: any) => (old?.down ? { n: s.count } : { count: s.n });" : ''}`;
const starter = `
import { genServer, type ProcessContext } from '@otp-ts/runtime';
import * as counter from './counter';
export const start = (ctx: ProcessContext) => genServer.start(ctx, counter as never, undefined);`;

test("a gen_server started with a module namespace (import * as m) is migrated by an upgrade of that module (its codeChange runs) and by a downgrade (the leaving version's)", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.loadAll([compileModule('app/counter', counter(1, 'n'), '1'), compileModule('app/starter', starter, '1')]);
    await node.run(async (ctx) => {
      const pid = (await (code.exportsOf('app/starter') as { start: (c: runtime.ProcessContext) => Promise<Pid> }).start(ctx)) as Pid;
      assert.deepEqual(await genServer.call(ctx, pid, 'bump'), { vsn: 1, s: { n: 1 } });
      const report = await runtime.upgradeModules(ctx, code, [compileModule('app/counter', counter(2, 'count'), '2')], {});
      assert.deepEqual(report.stranded, [], 'not left on the old code');
      assert.deepEqual(report.processes, [pid], 'migrated');
      assert.deepEqual(await genServer.call(ctx, pid, 'bump'), { vsn: 2, s: { count: 2 } }, 'its state went through codeChange');
      await runtime.upgradeModules(ctx, code, [compileModule('app/counter', counter(1, 'n'), '1')], { downgrade: true, perModule: { 'app/counter': { oldVsn: { down: '1' } } } });
      assert.deepEqual(await genServer.call(ctx, pid, 'bump'), { vsn: 1, s: { n: 3 } }, 'a downgrade runs the codeChange of the version it leaves');
      await genServer.stop(ctx, pid);
    });
  });
});
