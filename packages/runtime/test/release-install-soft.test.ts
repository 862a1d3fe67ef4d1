// The release handler's install of a gen_server whose new version has no codeChange: OTP's soft update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer } from '../src/index.ts';
import { withRelease, type FixtureVersion } from './release-fixture.ts';
import type { InstallError, InstallReport } from '../src/release/handler.ts';

type Install = (vsn: string, options?: { probeMs?: number }) => Promise<unknown>;
const installError = (e: unknown): InstallError => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as InstallError;

// fx/app starts fx/srv registered as 'srv'; a cast adds to its count, a call answers the count times `factor`.
const APP = `
import { genServer } from '@otp-ts/runtime';
import { srv } from './srv';
export default { start: (_t: unknown, _a: unknown, ctx: any) => genServer.startLink(ctx, srv, undefined, { name: 'srv' }) };`;
const SRV = (factor: number, exportName = 'srv') => `
import { ok, reply, noreply } from '@otp-ts/runtime';
export const ${exportName} = {
  init: () => ok({ n: 0 }),
  handleCall: (_r: unknown, _f: unknown, s: { n: number }) => reply(s.n * ${factor}, s),
  handleCast: (k: number, s: { n: number }) => noreply({ n: s.n + k }),
};`;
const version = (vsn: string, srv: string): FixtureVersion => ({ vsn, modules: { 'fx/app': APP, 'fx/srv': srv }, changed: ['fx/srv'] });

test('a gen_server whose versions have no codeChange is upgraded and downgraded keeping its state, as OTP updates a module without {advanced, Extra}', async () => {
  await withRelease([version('1', SRV(1)), version('2', SRV(10))], async (state, handler) => {
    await state.node.run(async (ctx) => {
      genServer.cast(ctx, 'srv', 4);
      assert.equal(await genServer.call(ctx, 'srv', 'count'), 4);
    });
    const report = (await (handler.install as Install)('2', { probeMs: 0 })) as InstallReport;
    assert.equal(report.processes, 1);
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'srv', 'count')), 40, 'the new code runs on the state kept');
    await (handler.install as Install)('1', { probeMs: 0 });
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'srv', 'count')), 4, 'and the old code again after the downgrade');
  });
});

test('an upgrade whose new version no longer exports the callbacks a server runs is refused, naming the export, and the server keeps serving', async () => {
  await withRelease([version('1', SRV(1)), version('2', SRV(10, 'renamed'))], async (state, handler) => {
    const error = installError(await (handler.install as Install)('2', { probeMs: 0 }).then(() => assert.fail('the install succeeded'), (e: unknown) => e));
    assert.equal(error.stage, 'check');
    assert.match(error.message, /the new version of fx\/srv no longer exports 'srv', which its gen_server <[\d.]+> runs/);
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'srv', 'count')), 0);
  });
});
