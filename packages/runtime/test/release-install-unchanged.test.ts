// A release install whose relup names a module whose code is the one already running (a hot fix loaded that very code,
// or a relup naming a module its build did not change): as OTP's relup names only changed modules, that module is left
// alone, with no suspension, no codeChange and no purge; its processes keep running the very version they ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { genServer, upgradeModules } from '../src/index.ts';
import { codeServerOf } from '../src/code/index.ts';
import { APP, withRelease, type FixtureVersion } from './release-fixture.ts';
import type { InstallReport } from '../src/release/handler.ts';

type Install = (vsn: string, options?: { probeMs?: number }) => Promise<unknown>;

// codeChange counts its calls on globalThis: a call is a suspension and a migration of the server.
const SRV = (tag: string): string => `
import { ok, reply } from '@otp-ts/runtime';
export const srv = {
  init: () => ok({ n: 1 }),
  handleCall: (_r: unknown, _f: unknown, s: any) => reply({ vsn: '${tag}', s }, s),
  codeChange: (_old: unknown, s: any) => {
    (globalThis as any).__unchangedCodeChanges = ((globalThis as any).__unchangedCodeChanges ?? 0) + 1;
    return { ...s, migrated: true };
  },
};`;

test('a release install leaves a module whose code did not change alone: no suspension, no codeChange, no purge', async () => {
  (globalThis as { __unchangedCodeChanges?: number }).__unchangedCodeChanges = 0;
  const v1: FixtureVersion = { vsn: '1', modules: { 'fx/app': APP, 'fx/srv': SRV('same') } };
  const v2: FixtureVersion = { vsn: '2', modules: { 'fx/app': APP, 'fx/srv': SRV('same') } };
  await withRelease([v1, v2], async (state, handler) => {
    const code = codeServerOf(state.node);
    const get = () => state.node.run((ctx) => genServer.call(ctx, 'fx_srv' as never, 'get')) as Promise<{ vsn: string; s: unknown }>;
    const pid = state.node.whereis('fx_srv');
    const before = code.record('fx/srv');
    assert.deepEqual(await get(), { vsn: 'same', s: { n: 1 } });
    const report = (await (handler.install as Install)('2', { probeMs: 0 })) as InstallReport;
    assert.equal(report.processes, 0, 'nothing was suspended');
    assert.deepEqual(report.modules.changed, []);
    assert.equal((globalThis as { __unchangedCodeChanges?: number }).__unchangedCodeChanges, 0, 'codeChange was not called');
    const after = code.record('fx/srv');
    assert.equal(after.current, before.current, 'the version that ran is still current, not a copy of it');
    assert.equal(after.old, before.old, 'nothing was purged');
    assert.equal(String(state.node.whereis('fx_srv')), String(pid));
    assert.deepEqual(await get(), { vsn: 'same', s: { n: 1 } });
    // The way back leaves it alone too.
    await (handler.install as Install)('1', { probeMs: 0 });
    assert.equal(code.record('fx/srv').current, before.current);
    assert.equal((globalThis as { __unchangedCodeChanges?: number }).__unchangedCodeChanges, 0);
  });
});

test("a release upgrade to the code a hot fix already loaded does not migrate the server again", async () => {
  (globalThis as { __unchangedCodeChanges?: number }).__unchangedCodeChanges = 0;
  const v1: FixtureVersion = { vsn: '1', modules: { 'fx/app': APP, 'fx/srv': SRV('1') } };
  const v2: FixtureVersion = { vsn: '2', modules: { 'fx/app': APP, 'fx/srv': SRV('2') } };
  await withRelease([v1, v2], async (state, handler, root) => {
    const code = codeServerOf(state.node);
    const get = () => state.node.run((ctx) => genServer.call(ctx, 'fx_srv' as never, 'get')) as Promise<{ vsn: string; s: unknown }>;
    // The hot fix is version 2's own compiled file, loaded by hand before the release gets there.
    const file = join(root, 'lib', 'fx-2', 'src', 'srv.js');
    await state.node.run((ctx) => upgradeModules(ctx, code, [{ name: 'fx/srv', code: readFileSync(file, 'utf8'), filename: file }]));
    assert.deepEqual(await get(), { vsn: '2', s: { n: 1, migrated: true } });
    const fixed = code.record('fx/srv');
    const report = (await (handler.install as Install)('2', { probeMs: 0 })) as InstallReport;
    assert.equal(report.processes, 0, 'nothing was suspended');
    assert.equal((globalThis as { __unchangedCodeChanges?: number }).__unchangedCodeChanges, 1, 'only the hot fix ran codeChange');
    assert.equal(code.record('fx/srv').current, fixed.current);
    assert.equal(code.record('fx/srv').old, fixed.old, 'nothing was purged');
    assert.deepEqual(await get(), { vsn: '2', s: { n: 1, migrated: true } });
  });
});
