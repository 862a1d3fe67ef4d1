// A hot fix loaded into a running release (upgradeModules of fx/srv at "1-fix", whose codeChange reshaped the state),
// then the release's own upgrade of fx/srv to 2: its codeChange must be told the version that runs (the hot fix's), as
// OTP's release handler passes the running module's vsn, or it converts a state of the wrong shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import { genServer, upgradeModules } from '../src/index.ts';
import { codeServerOf } from '../src/code/index.ts';
import { APP, withRelease, type FixtureVersion } from './release-fixture.ts';
import type { InstallReport } from '../src/release/handler.ts';

type Install = (vsn: string, options?: { probeMs?: number }) => Promise<unknown>;

// 1: the state is a number. 1-fix: { n }. 2: { n, from }, migrating from either shape by the oldVsn it is told.
const SRV1 = `
import { ok, reply } from '@otp-ts/runtime';
export const srv = { init: () => ok(1), handleCall: (_r: unknown, _f: unknown, s: any) => reply({ vsn: '1', s }, s) };`;
const FIX = `
import { ok, reply } from '@otp-ts/runtime';
export const srv = {
  init: () => ok({ n: 1 }),
  handleCall: (_r: unknown, _f: unknown, s: any) => reply({ vsn: '1-fix', s }, s),
  codeChange: (_old: unknown, s: number) => ({ n: s }),
};`;
const SRV2 = `
import { ok, reply } from '@otp-ts/runtime';
export const srv = {
  init: () => ok({ n: 1, from: 'init' }),
  handleCall: (_r: unknown, _f: unknown, s: any) => reply({ vsn: '2', s }, s),
  codeChange: (old: unknown, s: any) => {
    if (typeof old === 'object' && old !== null) return s.n === undefined ? s : s.n;
    return old === '1-fix' ? { n: s.n, from: old } : { n: s, from: old };
  },
};`;
const v1: FixtureVersion = { vsn: '1', modules: { 'fx/app': APP, 'fx/srv': SRV1 } };
const v2: FixtureVersion = { vsn: '2', modules: { 'fx/app': APP, 'fx/srv': SRV2 } };

test("a release upgrade after a hot fix tells codeChange the hot fix's version, the code that runs, not the release's old version", async () => {
  await withRelease([v1, v2], async (state, handler) => {
    const get = () => state.node.run((ctx) => genServer.call(ctx, 'fx_srv' as never, 'get')) as Promise<{ vsn: string; s: unknown }>;
    assert.deepEqual(await get(), { vsn: '1', s: 1 });
    const fix = { name: 'fx/srv', code: transformSync(FIX, { loader: 'ts', format: 'cjs', target: 'node20' }).code, vsn: '1-fix' };
    await state.node.run((ctx) => upgradeModules(ctx, codeServerOf(state.node), [fix]));
    assert.deepEqual(await get(), { vsn: '1-fix', s: { n: 1 } });
    const report = (await (handler.install as Install)('2', { probeMs: 0 })) as InstallReport;
    assert.equal(report.processes, 1);
    assert.deepEqual(await get(), { vsn: '2', s: { n: 1, from: '1-fix' } }, "codeChange was told 1-fix and kept the hot fix's count");
    await (handler.install as Install)('1', { probeMs: 0 });
    assert.deepEqual(await get(), { vsn: '1', s: 1 }, "the downgrade was told { down: '1' } and gave 1's state back");
  });
});

test("a release upgrade of the release's own code still tells codeChange the application's old version", async () => {
  await withRelease([v1, v2], async (state, handler) => {
    const get = () => state.node.run((ctx) => genServer.call(ctx, 'fx_srv' as never, 'get')) as Promise<{ vsn: string; s: unknown }>;
    await (handler.install as Install)('2', { probeMs: 0 });
    assert.deepEqual(await get(), { vsn: '2', s: { n: 1, from: '1' } });
  });
});
