// A release install that removes an application deletes and purges its modules, both versions: a supervisor outside
// that application whose child specs start with closures of them could not restart those children, so the install is
// refused before anything changes (OTP's check of old processes); the removed application's own supervisors, which are
// stopped with it, hold nothing up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { application, genServer, supervisor, type Pid } from '../src/index.ts';
import { withRelease, writeVersionAddingLx, APP } from './release-fixture.ts';
import { codeServerOf } from '../src/code/server.ts';
import type { InstallError, InstallReport } from '../src/release/handler.ts';

type Install = (vsn: string, options?: { probeMs?: number }) => Promise<unknown>;
const installError = (e: unknown): InstallError => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as InstallError;

const SRV = `
import { ok, reply } from '@otp-ts/runtime';
export const srv = { name: 'srv', init: () => ok(1), handleCall: (_r: unknown, _f: unknown, s: number) => reply(s, s), codeChange: (_o: unknown, s: number) => s };`;

// lx 1: its application starts the exported supervisor lx/sup with the child-start closures lx/srv makes.
const LX: Record<string, string> = {
  app: `
import { supervisor } from '@otp-ts/runtime';
import { sup } from './sup';
import { specs } from './srv';
export default { start: (_t: unknown, _a: unknown, ctx: any) => supervisor.startLink(ctx, sup, { children: specs('lx_srv') }, { name: 'lx_sup' }) };`,
  sup: `
export const sup = { name: 'lx_sup', init: (args: any) => ({ type: 'ok', flags: { strategy: 'oneForOne', intensity: 5, period: 5 }, children: args.children }) };`,
  srv: `
import { genServer, ok, reply } from '@otp-ts/runtime';
export const srv = { name: 'lx_srv', init: () => ok(0), handleCall: (_r: unknown, _f: unknown, s: number) => reply(s, s) };
export function specs(name: string) { return [{ id: 'srv', start: (c: any) => genServer.startLink(c, srv, undefined, { name }) }]; }`,
};

// Writes lx 1 and version 2 of the release (lx added; its downgrade to 1 removes lx), 2 unpacked.
function writeVersion2(root: string): void {
  const lib = join(root, 'lib', 'lx-1');
  mkdirSync(join(lib, 'src'), { recursive: true });
  for (const [name, ts] of Object.entries(LX)) writeFileSync(join(lib, 'src', `${name}.js`), transformSync(ts, { loader: 'ts', format: 'cjs', sourcefile: `lx/${name}.ts` }).code);
  const modules = Object.fromEntries(Object.keys(LX).map((name) => [`lx/${name}`, `src/${name}.js`]));
  writeFileSync(join(lib, 'app.json'), JSON.stringify({ name: 'lx', vsn: '1', mod: 'lx/app', applications: [], registered: [], env: {}, modules }));
  writeVersionAddingLx(root, `${SRV}\nexport const two = 2;`);
}

test("a downgrade removing an application is refused while a supervisor outside it starts children with its closures; its own supervisors are not counted", async () => {
  await withRelease([{ vsn: '1', modules: { 'fx/app': APP, 'fx/srv': SRV } }], async (state, handler, root) => {
    writeVersion2(root);
    const up = (await (handler.install as Install)('2', { probeMs: 0 })) as InstallReport;
    assert.deepEqual(up.apps.added, ['lx']);
    const code = codeServerOf(state.node);
    // A supervisor of no application, given lx/srv's closures.
    const specs = code.exportsOf('lx/srv').specs as (name: string) => unknown[];
    const outside = await state.node.run((ctx) => supervisor.start(ctx, { init: (args: { children: never[] }) => ({ type: 'ok', flags: { strategy: 'oneForOne', intensity: 5, period: 5 }, children: args.children }) } as never, { children: specs('outside_srv') } as never, { name: 'outside_sup' }));
    const error = await (handler.install as Install)('1', { probeMs: 0 }).then(() => assert.fail('the downgrade purging lx under outside_sup succeeded'), installError);
    assert.equal(error.stage, 'check');
    assert.match(error.message, /^1 was not installed, nothing was changed: supervisor outside_sup starts child 'srv' with a closure of lx\/srv of release version 2 \(lib\/lx-1\)/);
    assert.doesNotMatch(error.message, /lx_sup/, "lx's own supervisor is stopped with lx: not counted");
    assert.deepEqual((await state.node.run((ctx) => application.whichApplications(ctx))).map((a) => a.name).sort(), ['fx', 'lx'], 'nothing was changed');
    // With the outside supervisor gone, lx's own supervisor (holding the same closures) does not hold the downgrade up.
    await state.node.run(async (ctx) => {
      const ref = ctx.monitor(outside as Pid);
      ctx.exit(outside as Pid, 'kill');
      await ctx.receive((m: unknown) => (m as { type?: string; ref?: unknown } | null)?.type === 'DOWN' && (m as { ref: unknown }).ref === ref, 10_000);
    });
    const down = (await (handler.install as Install)('1', { probeMs: 0 })) as InstallReport;
    assert.deepEqual(down.apps.removed, ['lx']);
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 1);
  });
});
