// A hot fix (a version of fx/srv loaded outside the release) runs when release 2 is installed; the install rolls back.
// As OTP's release handler, the rollback installs release 1's own code, not the hot fix: the error says so in its line,
// naming the hot fix and what became of the processes that ran it, instead of claiming the node is back as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import { genServer, upgradeModules, type Pid, type ProcessContext } from '../src/index.ts';
import { codeServerOf } from '../src/code/index.ts';
import { withRelease, heldInstall, APP, type FixtureVersion } from './release-fixture.ts';
import { waitFor } from '../../../test/support/wait.ts';

// Polled every turn: a probe window held open by a file is watched as it moves.
const EVERY_TURN = { ms: 10_000, everyMs: 0 };

const srv = (v: string) => `
import { ok, reply } from '@otp-ts/runtime';
import type { ProcessContext } from '@otp-ts/runtime';
export async function spin(ctx: ProcessContext): Promise<void> { for (;;) { const m = await ctx.receive() as { from: any }; ctx.send(m.from, '${v}'); } }
export const srv = {
  name: 'srv',
  init: () => ok({}),
  handleCall: (_req: unknown, _f: unknown, s: any) => reply({ code: '${v}' }, s),
  codeChange: (_o: unknown, s: any) => s,
};`;


test("a rollback over a hot fix brings back the release's own version and says so, naming the hot fix", async () => {
  const versions: FixtureVersion[] = [{ vsn: '1', modules: { 'fx/app': APP, 'fx/srv': srv('1') } }, { vsn: '2', modules: { 'fx/app': APP, 'fx/srv': srv('2') } }];
  await withRelease(versions, async (state, handler, root) => {
    const code = codeServerOf(state.node);
    const call = () => state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')) as Promise<{ code: string }>;
    const fix = { name: 'fx/srv', code: transformSync(srv('1-fix'), { loader: 'ts', format: 'cjs', target: 'node20' }).code, vsn: '1-fix' };
    await state.node.run((ctx) => upgradeModules(ctx, code, [fix]));
    const worker: Pid = await state.node.run((ctx) => ctx.spawn((code.exportsOf('fx/srv') as { spin: (c: ProcessContext) => Promise<void> }).spin));
    const install = heldInstall(handler, root, '2');
    await waitFor('the server to run version 2', async () => ((await call()).code === '2' ? true : undefined), EVERY_TURN);
    const migrated = await state.node.run((ctx) => ctx.whereis('fx_srv')!);
    await state.node.run((ctx) => ctx.exit(migrated, 'kill'));
    install.release();
    const error = await install.failure;
    assert.deepEqual(await call(), { code: '1' }, "release 1's own code runs");
    assert.match(error.message, /^upgrade to 2 rolled back, 1 still runs: .*crashed after the upgrade: killed; fx\/srv runs release 1's own code again, not 1-fix, loaded outside the release, which ran before the upgrade \(a rollback restores the release's version, and the process still running 1-fix was killed with it\): load 1-fix again if it is still wanted$/);
    assert.equal(await state.node.run((ctx) => ctx.isAlive(worker)), false);
  });
});
