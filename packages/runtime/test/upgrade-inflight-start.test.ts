// A start already in flight when an upgrade swaps the code (its process spawned, init not run yet, its callbacks not
// yet known to the code server), or a start made with a callback object the old code holds, must run the new code:
// as OTP's gen_server:start(Mod, …) calls the current Mod:init, a server started after a load never runs the old one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, upgradeModules, type GenServer, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

type Srv = GenServer<{ v: number; ups: number }, 'get', never, unknown, undefined>;

// Version `v`: a call answers the version running and how many codeChanges the state went through. `startLater` (the
// module's own code) starts its server once told to, through its local binding: the version that made it holds it.
const mod = (v: number) =>
  compileModule('t/late', `
import { ok, reply, genServer, type GenServer, type ProcessContext } from '@otp-ts/runtime';
export const srv: GenServer<{ v: number; ups: number }, 'get', never, unknown, undefined> = {
  init: () => ok({ v: ${v}, ups: 0 }),
  handleCall: (_r, _f, s) => reply({ vsn: ${v}, ups: s.ups }, s),
  codeChange: (_o: unknown, s: { v: number; ups: number }) => ({ ...s, ups: s.ups + 1 }),
};
export async function startLater(ctx: ProcessContext, parent: unknown, global?: string): Promise<void> {
  await ctx.receive((m) => m === 'go');
  const pid = await genServer.start(ctx, srv, undefined, global === undefined ? {} : { name: { global } });
  ctx.send(parent as never, { started: pid });
  await ctx.receive((m) => m === 'never');
}`, String(v));

const isStarted = (m: unknown): m is { started: Pid } => typeof m === 'object' && m !== null && 'started' in m;

test('a server the old code starts after an upgrade (its own local binding) runs the new version, as gen_server:start(?MODULE) does', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(mod(1));
    await node.run(async (ctx: ProcessContext) => {
      const v1 = code.exportsOf('t/late') as { startLater: (c: ProcessContext, p: Pid) => Promise<void> };
      const startLater = v1.startLater;
      const starter = ctx.spawn((c) => startLater(c, ctx.self()));
      await upgradeModules(ctx, code, [mod(2)]);
      ctx.send(starter, 'go');
      const { started } = (await ctx.receive(isStarted)) as { started: Pid };
      assert.deepEqual(await genServer.call(ctx, started, 'get'), { vsn: 2, ups: 0 }, 'the server started after the upgrade ran the replaced code');
      // The next upgrade migrates it rather than purging it as a process of the oldest version.
      const report = await upgradeModules(ctx, code, [mod(3)]);
      assert.deepEqual(report.killed, [], 'the server is not killed as a process of the purged version 1');
      assert.ok(report.processes.some((p) => p.toString() === started.toString()), 'the server is migrated by the next upgrade');
      assert.deepEqual(await genServer.call(ctx, started, 'get'), { vsn: 3, ups: 1 });
    });
  });
});

test('a server whose start (a global name being taken) is in flight while an upgrade swaps the code is migrated or runs the new code', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(mod(1));
    await node.run(async (ctx: ProcessContext) => {
      const srv = (code.exportsOf('t/late') as { srv: Srv }).srv;
      const early = await genServer.start(ctx, srv, undefined);
      const late = genServer.start(ctx, srv, undefined, { name: { global: 'late_srv' } });
      const report = await upgradeModules(ctx, code, [mod(2)]);
      const latePid = await late;
      assert.deepEqual(await genServer.call(ctx, early, 'get'), { vsn: 2, ups: 1 });
      const answer = (await genServer.call(ctx, latePid, 'get')) as { vsn: number };
      assert.equal(answer.vsn, 2, `the server started during the upgrade (report: ${report.processes.length} processes) was left on the old code`);
    });
  });
});
