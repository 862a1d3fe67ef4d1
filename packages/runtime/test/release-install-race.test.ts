// Two upgrades racing: a release install checks (evaluates) its modules at once, then waits its turn behind an upgrade
// under way. When that upgrade rolls back a module the install's modules import, their top levels ran against code
// that is gone: the install refuses, naming the module and both versions, and nothing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import { genServer, upgradeModules, type UpgradeError } from '../src/index.ts';
import { codeServerOf } from '../src/code/server.ts';
import type { InstallError } from '../src/release/handler.ts';
import { withRelease, APP, type FixtureVersion } from './release-fixture.ts';
import { waitFor } from '../../../test/support/wait.ts';

type Race = { entered: boolean; open: () => void; checked: boolean };
const race = (): Race => (globalThis as { fxRace?: Race }).fxRace!;

// fx/srv of version `v`, whose top level reads fx/util's limit (version 2's also says it was evaluated: the install's check).
const srv = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
import { limit } from './util';
${v === 2 ? '(globalThis as any).fxRace.checked = true;' : ''}
const LIMIT = limit();
export const srv = {
  init: () => ok({ n: 0, v: ${v} }),
  handleCall: (req: any, _f: unknown, s: any) => (req === 'bump' ? reply(++s.n, s) : reply({ ...s, limit: LIMIT }, s)),
  codeChange: (_o: unknown, s: any) => ({ ...s, v: ${v} }),
};`;
const util = (n: number) => `export function limit() { return ${n}; }`;
const version = (v: number): FixtureVersion => ({ vsn: String(v), modules: { 'fx/app': APP, 'fx/srv': srv(v), 'fx/util': util(1) } });
const cjs = (ts: string): string => transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20' }).code;

// A hot fix (otp shell's c(), another operator) of fx/util and fx/srv whose codeChange waits for the test's gate, then fails.
const hotFix = [
  { name: 'fx/util', code: cjs(util(5)), vsn: '1b' },
  {
    name: 'fx/srv',
    vsn: '1b',
    code: cjs(`import { ok, reply } from '@otp-ts/runtime';
export const srv = {
  init: () => ok({ n: 0 }),
  handleCall: (_r: any, _f: unknown, s: any) => reply(s, s),
  codeChange: async () => { const r = (globalThis as any).fxRace; r.entered = true; await new Promise<void>((go) => { r.open = go; }); throw new Error('hot fix refused'); },
};`),
  },
];

test('a release install checked while a hot fix of a module it imports was under way, which then rolled back, refuses naming the module and both versions; nothing changes', async () => {
  (globalThis as { fxRace?: Race }).fxRace = { entered: false, open: () => undefined, checked: false };
  await withRelease([version(1), version(2)], async (state, handler) => {
    const code = codeServerOf(state.node);
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'bump')), 1);
    const utilBefore = code.versions('fx/util').current;
    const fix = state.node.run((ctx) => upgradeModules(ctx, code, hotFix).then(() => undefined, (e: UpgradeError) => e));
    await waitFor('the hot fix reaches its codeChange', () => race().entered);
    const install = (handler.install as (vsn: string, o: { probeMs: number }) => Promise<unknown>)('2', { probeMs: 0 }).then(
      () => undefined,
      (e: unknown) => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as InstallError,
    );
    await waitFor("the install's check evaluated version 2 (against the hot fix's fx/util)", () => race().checked);
    race().open();
    assert.match(String(await fix), /hot fix refused/);
    const error = await install;
    assert.ok(error, 'the install went ahead with a top level that ran against the rolled-back fx/util 1b');
    assert.equal(error.stage, 'evaluate');
    assert.ok(error.message.includes(`fx/util changed from version 1b to version ${utilBefore} after this upgrade's modules, which import it, were checked (another upgrade or load ran in between): check and install again`), error.message);
    assert.equal(state.files.release.vsn, '1');
    assert.deepEqual(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), { n: 1, v: 1, limit: 1 }, 'the server runs 1 with its count');
  });
});
