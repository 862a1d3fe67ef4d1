// A codeChange may return a state holding functions of the version it leaves (an export it kept, a closure that
// version made): legal, but the process then calls that old code after the upgrade and after a purge, as an Erlang
// process holding funs of old code does. The upgrade's report names it (stranded, kind 'state').
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, upgradeModules, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

const fmt = (v: number, keep: boolean) =>
  compileModule('t/fmt', `
import { ok, reply } from '@otp-ts/runtime';
export const format = (n: number) => 'v${v}:' + n;
export const srv = {
  init: () => ok({ f: format, nested: [new Map([['g', (n: number) => 'g${v}:' + n]])] }),
  handleCall: (_r: 'get', _f: unknown, s: any) => reply([s.f(1), s.nested[0].get('g')(1)], s),
  codeChange: (_o: unknown, s: any) => (${keep} ? s : { f: format, nested: [new Map([['g', (n: number) => 'g${v}:' + n]])] }),
};`, String(v));

test("an upgrade whose codeChange keeps the old version's functions in the state names the process as stranded (kind 'state'); one that rebuilds them does not", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(fmt(1, true));
    await node.run(async (ctx: ProcessContext) => {
      const pid = (await genServer.start(ctx, (code.exportsOf('t/fmt') as { srv: never }).srv, undefined)) as Pid;
      const report = await upgradeModules(ctx, code, [fmt(2, true)]);
      assert.deepEqual(report.processes, [pid]);
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), ['v1:1', 'g1:1'], 'the state still calls version 1');
      assert.deepEqual(report.stranded, [{ pid, module: 't/fmt', kind: 'state' }], 'the report says its state holds the old code');
      const rebuilt = await upgradeModules(ctx, code, [fmt(3, false)]);
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), ['v3:1', 'g3:1']);
      assert.deepEqual(rebuilt.stranded, [], 'a state rebuilt with the new code is not stranded');
    });
  });
});
