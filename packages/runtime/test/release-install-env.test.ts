// The release handler's install of a version whose application env changed: what the code change sees of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { application, supervisor } from '../src/index.ts';
import { withRelease, type FixtureVersion } from './release-fixture.ts';
import type { InstallError, InstallReport } from '../src/release/handler.ts';

type Install = (vsn: string, options?: { probeMs?: number }) => Promise<unknown>;
const installError = (e: unknown): InstallError => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as InstallError;

// fx/app starts fx/sup's `top`, whose init starts as many fx/srv workers as fx's env `workers` says (1 when unset);
// the application module of 2 records what its configChange heard, and the env it saw.
const APP = (v: number) => `
import { application, supervisor } from '@otp-ts/runtime';
import { sup } from './sup';
export default {
  ${v === 2 ? "configChange: (changed: unknown, added: unknown, removed: unknown) => { (globalThis as any).fxHeard = { changed, added, removed }; if ((globalThis as any).fxRefuse) throw new Error('refused'); }," : ''}
  start: (_t: unknown, _a: unknown, ctx: any) => supervisor.startLink(ctx, sup, undefined, { name: 'top' }),
};`;
const SUP = (v: number) => `
import { application, genServer } from '@otp-ts/runtime';
import { srv } from './srv';
export const sup = { name: 'top', init: (_a: unknown, ctx: any) => {
  const n = application.getEnv(ctx, 'fx', 'workers', 1) as number;
  return { flags: { strategy: 'oneForOne' }, children: Array.from({ length: n }, (_, i) => ({ id: 'w' + i, start: (c: any) => genServer.startLink(c, srv, ${v}) })) };
} };`;
const SRV = `
import { ok, reply } from '@otp-ts/runtime';
export const srv = { name: 'srv', init: (v: number) => ok({ v }), handleCall: (_r: unknown, _f: unknown, s: any) => reply(s, s), codeChange: (_o: unknown, s: any) => s };`;
const version = (v: number): FixtureVersion => ({ vsn: String(v), modules: { 'fx/app': APP(v), 'fx/sup': SUP(v), 'fx/srv': SRV }, changed: ['fx/app', 'fx/sup'] });

// Gives version 2 of fx the env { workers: 3 } (its package.json's otp.env).
function withWorkers(root: string): void {
  const resource = join(root, 'lib', 'fx-2', 'app.json');
  writeFileSync(resource, JSON.stringify({ ...(JSON.parse(readFileSync(resource, 'utf8')) as object), env: { workers: 3 } }));
}

test("an upgrade runs the new supervisor init with the new version's env, as OTP changes the env before the code: the children it adds start, and configChange hears the change after", async () => {
  const g = globalThis as { fxHeard?: unknown; fxRefuse?: boolean };
  g.fxHeard = undefined;
  g.fxRefuse = false;
  await withRelease([version(1), version(2)], async (state, handler, root) => {
    withWorkers(root);
    const report = (await (handler.install as Install)('2', { probeMs: 0 })) as InstallReport;
    assert.deepEqual(report.children, { started: ['w1', 'w2'], stopped: [] });
    assert.deepEqual((await state.node.run((ctx) => supervisor.whichChildren(ctx, 'top'))).map((c) => c.id).sort(), ['w0', 'w1', 'w2']);
    assert.deepEqual(g.fxHeard, { changed: {}, added: { workers: 3 }, removed: [] });
  });
});

test('an upgrade refused at its code change leaves the env of the running version', async () => {
  await withRelease([version(1), { ...version(2), modules: { ...version(2).modules, 'fx/srv': SRV.replace('codeChange: (_o: unknown, s: any) => s', "codeChange: () => { throw new Error('no'); }") }, changed: ['fx/app', 'fx/sup', 'fx/srv'] }], async (state, handler, root) => {
    withWorkers(root);
    const error = installError(await (handler.install as Install)('2', { probeMs: 0 }).then(() => assert.fail('the install succeeded'), (e: unknown) => e));
    assert.equal(error.stage, 'codeChange');
    assert.equal(await state.node.run(async (ctx) => application.getEnv(ctx, 'fx', 'workers')), undefined);
  });
});
