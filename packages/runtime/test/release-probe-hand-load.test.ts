// While a release install is not yet permanent (its health probe), the running version stays loaded as the old
// version of each module it changed, for a rollback to bring back. A load, purge or delete of such a module by hand,
// or an upgrade of it, would purge that version (killing its plain processes) and leave the rollback a fresh copy:
// each is refused at once, naming the module and the fix, as OTP's load refuses a module whose old code is not purged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import { genServer, upgradeModules, type Pid, type ProcessContext } from '../src/index.ts';
import { codeServerOf } from '../src/code/index.ts';
import { withRelease, heldInstall, APP, type FixtureVersion } from './release-fixture.ts';
import { waitFor } from '../../../test/support/wait.ts';

// Polled every turn: a probe window held open by a file is watched as it moves.
const EVERY_TURN = { ms: 10_000, everyMs: 0 };

const srv = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
import type { ProcessContext } from '@otp-ts/runtime';
export async function spin(ctx: ProcessContext): Promise<void> { for (;;) { const m = await ctx.receive() as { from: any }; ctx.send(m.from, ${v}); } }
export const srv = {
  name: 'srv',
  init: () => ok({ v: ${v} }),
  handleCall: (_req: unknown, _f: unknown, s: any) => reply({ code: ${v} }, s),
  codeChange: (_o: unknown, s: any) => s,
};`;
const cjs = (ts: string): string => transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20' }).code;


test('a hand load, purge or upgrade of a module a release install changed is refused until the install is done, and the rollback revives the version that ran', async () => {
  const versions: FixtureVersion[] = [{ vsn: '1', modules: { 'fx/app': APP, 'fx/srv': srv(1) } }, { vsn: '2', modules: { 'fx/app': APP, 'fx/srv': srv(2) } }];
  await withRelease(versions, async (state, handler, root) => {
    const code = codeServerOf(state.node);
    const call = () => state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')) as Promise<{ code: number }>;
    // A plain process running version 1's exported loop: a rollback that brings back version 1 itself keeps it.
    const worker: Pid = await state.node.run((ctx) => ctx.spawn((code.exportsOf('fx/srv') as { spin: (c: ProcessContext) => Promise<void> }).spin));
    const install = heldInstall(handler, root, '2');
    await waitFor('the server to run version 2', async () => ((await call()).code === 2 ? true : undefined), EVERY_TURN);
    const loaded = code.versions('fx/srv');
    await assert.rejects(code.load({ name: 'fx/srv', code: cjs(srv(3)), vsn: '3' }), /cannot load fx\/srv: a release install changed it.*wait for the install/);
    assert.throws(() => code.purge('fx/srv'), /cannot purge fx\/srv: a release install changed it/);
    assert.throws(() => code.delete('fx/srv'), /cannot delete fx\/srv: a release install changed it/);
    await assert.rejects(state.node.run((ctx) => upgradeModules(ctx, code, [{ name: 'fx/srv', code: cjs(srv(3)), vsn: '3' }])), /fx\/srv.*release install/);
    assert.deepEqual(code.versions('fx/srv'), loaded, 'nothing changed');
    assert.equal(await state.node.run((ctx) => ctx.isAlive(worker)), true);
    // The migrated server crashes in the held window: the install rolls back.
    const migrated = await state.node.run((ctx) => ctx.whereis('fx_srv')!);
    await state.node.run((ctx) => ctx.exit(migrated, 'kill'));
    install.release();
    const error = await install.failure;
    assert.match(error.message, /^upgrade to 2 rolled back, 1 still runs: /);
    assert.deepEqual(await call(), { code: 1 });
    assert.equal(await state.node.run((ctx) => ctx.isAlive(worker)), true, 'the plain process of version 1 lives on');
    // Done: a load is allowed again.
    await code.load({ name: 'fx/srv', code: cjs(srv(3)), vsn: '3' });
  });
});
