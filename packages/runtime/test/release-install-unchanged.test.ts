// A release install whose relup names a module whose code is the one already running (a hot fix loaded that very code,
// or a relup naming a module its build did not change): as OTP's relup names only changed modules, that module is left
// alone, with no suspension, no codeChange and no purge; its processes keep running the very version they ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { genServer, upgradeModules } from '../src/index.ts';
import { codeServerOf } from '../src/code/index.ts';
import { APP, heldInstall, withRelease, type FixtureVersion } from './release-fixture.ts';
import { waitFor } from '../../../test/support/wait.ts';
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

test('a rollback leaves a module the install left alone as it ran: the hot fix of the same code stays', async () => {
  const aux = (v: string): string => `export function which() { return '${v}'; }`;
  const srv = (v: string): string => `
import { ok, reply } from '@otp-ts/runtime';
export const srv = { init: () => ok({}), handleCall: (_r: unknown, _f: unknown, s: any) => reply({ code: '${v}' }, s), codeChange: (_o: unknown, s: any) => s };`;
  const v1: FixtureVersion = { vsn: '1', modules: { 'fx/app': APP, 'fx/srv': srv('1'), 'fx/aux': aux('1') } };
  const v2: FixtureVersion = { vsn: '2', modules: { 'fx/app': APP, 'fx/srv': srv('2'), 'fx/aux': aux('2') }, changed: ['fx/srv', 'fx/aux'] };
  await withRelease([v1, v2], async (state, handler, root) => {
    const code = codeServerOf(state.node);
    const call = () => state.node.run((ctx) => genServer.call(ctx, 'fx_srv' as never, 'get')) as Promise<{ code: string }>;
    const file = join(root, 'lib', 'fx-2', 'src', 'aux.js');
    await state.node.run((ctx) => upgradeModules(ctx, code, [{ name: 'fx/aux', code: readFileSync(file, 'utf8'), filename: file }]));
    const fixed = code.record('fx/aux');
    const install = heldInstall(handler, root, '2');
    await waitFor('the server to run version 2', async () => ((await call()).code === '2' ? true : undefined), { ms: 10_000, everyMs: 0 });
    const migrated = await state.node.run((ctx) => ctx.whereis('fx_srv')!);
    await state.node.run((ctx) => ctx.exit(migrated, 'kill'));
    install.release();
    const error = await install.failure;
    assert.match(error.message, /^upgrade to 2 rolled back, 1 still runs: /);
    assert.doesNotMatch(error.message, /fx\/aux/, 'fx/aux was not touched, so nothing is said of it');
    assert.deepEqual(await call(), { code: '1' });
    assert.equal(code.record('fx/aux').current, fixed.current, 'the hot fix, which ran before the install, still runs');
    assert.equal((code.exportsOf('fx/aux') as { which: () => string }).which(), '2');
  });
});
