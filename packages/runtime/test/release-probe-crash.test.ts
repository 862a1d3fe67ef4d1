// A migrated server that crashes after the swap rolls its release install back, however the crash meets the probe
// window: before the window opens (while the application changes run) with a window of 0 ms, or in a held window that
// ends right after it. The supervisor had restarted the server on the new code already: the rollback brings back 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { genServer, type Pid } from '../src/index.ts';
import { withRelease, heldInstall, APP, type FixtureVersion } from './release-fixture.ts';
import { waitFor } from '../../../test/support/wait.ts';

// Polled every turn: a probe window held open by a file is watched as it moves.
const EVERY_TURN = { ms: 10_000, everyMs: 0 };

const srv = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
export const srv = {
  name: 'srv',
  init: () => ok({ v: ${v} }),
  handleCall: (_req: unknown, _f: unknown, s: any) => reply(s, s),
  codeChange: (o: unknown, s: any) => ({ ...s, v: o !== null && typeof o === 'object' ? ${v - 1} : ${v} }),
};`;

// Version 2's application module holds the install in its configChange (after the swap, before the probe) until the test lets it go.
const holdingApp = `${APP.replace('export default { start:', 'export default { configChange: () => (globalThis as any).fxApplyHold?.(), start:')}`;

type Install = (vsn: string, options?: { probeMs?: number; holdFile?: string }) => Promise<unknown>;

const settled = (p: Promise<unknown>): Promise<Error> =>
  p.then(
    () => assert.fail('the install succeeded'),
    (e: unknown) => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as Error,
  );

test('a migrated server killed before a probe window of 0 ms opens rolls the release install back', async () => {
  const versions: FixtureVersion[] = [
    { vsn: '1', modules: { 'fx/app': APP, 'fx/srv': srv(1) } },
    { vsn: '2', modules: { 'fx/app': holdingApp, 'fx/srv': srv(2) }, changed: ['fx/srv', 'fx/app'] },
  ];
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  (globalThis as { fxApplyHold?: () => Promise<void> }).fxApplyHold = () => held;
  try {
    await withRelease(versions, async (state, handler, root) => {
      // A changed env makes the application's configChange run.
      writeFileSync(join(root, 'releases', '2', 'sys.config.json'), JSON.stringify({ fx: { k: 2 } }));
      const call = () => state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')) as Promise<{ v: number }>;
      const install = settled((handler.install as Install)('2', { probeMs: 0 }));
      await waitFor('the server to run version 2', async () => ((await call()).v === 2 ? true : undefined), EVERY_TURN);
      const migrated = await state.node.run((ctx) => ctx.whereis('fx_srv')!);
      await state.node.run((ctx) => ctx.exit(migrated, 'kill'));
      await waitFor('the supervisor to restart the server', () => state.node.run((ctx) => { const p = ctx.whereis('fx_srv'); return p !== undefined && p !== migrated ? p : undefined; }), EVERY_TURN);
      release();
      const error = await install;
      assert.match(error.message, new RegExp(`^upgrade to 2 rolled back, 1 still runs: ${String(migrated).replace(/[.<>]/g, '\\$&')} crashed after the upgrade: killed`));
      assert.deepEqual(await call(), { v: 1 });
    });
  } finally {
    delete (globalThis as { fxApplyHold?: unknown }).fxApplyHold;
  }
});

test('a migrated server killed in a held probe window rolls the release install back', async () => {
  await withRelease([{ vsn: '1', modules: { 'fx/app': APP, 'fx/srv': srv(1) } }, { vsn: '2', modules: { 'fx/app': APP, 'fx/srv': srv(2) } }], async (state, handler, root) => {
    const call = () => state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')) as Promise<{ v: number }>;
    const install = heldInstall(handler, root, '2');
    await waitFor('the server to run version 2', async () => ((await call()).v === 2 ? true : undefined), EVERY_TURN);
    const migrated: Pid = await state.node.run((ctx) => ctx.whereis('fx_srv')!);
    await state.node.run((ctx) => ctx.exit(migrated, 'kill'));
    await waitFor('the supervisor to restart the server', () => state.node.run((ctx) => { const p = ctx.whereis('fx_srv'); return p !== undefined && p !== migrated ? p : undefined; }), EVERY_TURN);
    install.release();
    const error = await install.failure;
    assert.match(error.message, /^upgrade to 2 rolled back, 1 still runs: .* crashed after the upgrade: killed/);
    assert.deepEqual(await call(), { v: 1 });
  });
});
