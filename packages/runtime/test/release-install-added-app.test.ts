// The release handler's install of a version that adds an application whose modules a changed module imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { application, genServer } from '../src/index.ts';
import { withRelease, writeVersionAddingLx, APP } from './release-fixture.ts';
import type { InstallReport } from '../src/release/handler.ts';
import { codeServerOf } from '../src/code/server.ts';

type Install = (vsn: string, options?: { probeMs?: number }) => Promise<unknown>;

// Version v of fx/srv: 1 answers its own limit; 2 imports lx/limits, a module of the library application lx that 2 adds.
const SRV = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
${v === 2 ? "import { limit } from '../lx/limits';" : 'const limit = () => 1;'}
export const srv = { name: 'srv', init: () => ok({}), handleCall: (_r: unknown, _f: unknown, s: any) => reply(limit(), s), codeChange: (_o: unknown, s: any) => s };`;

// Writes the library application lx 1 (one module, lx/limits) into the release root.
function writeLx(root: string): void {
  const lib = join(root, 'lib', 'lx-1');
  mkdirSync(join(lib, 'src'), { recursive: true });
  writeFileSync(join(lib, 'src', 'limits.js'), transformSync('export function limit() { return 50; }', { loader: 'ts', format: 'cjs', sourcefile: 'lx/limits.ts' }).code);
  writeFileSync(join(lib, 'app.json'), JSON.stringify({ name: 'lx', vsn: '1', applications: [], registered: [], env: {}, modules: { 'lx/limits': 'src/limits.js' } }));
}

// Writes lx 1 and version 2 of the release (lx added, fx/srv changed to import lx/limits) into the root, 2 unpacked.
function writeVersion2(root: string): void {
  writeLx(root);
  writeVersionAddingLx(root, SRV(2));
}

test('an upgrade that adds an application and changes a server to import its module installs: the new application loads with the change, and the downgrade removes it', async () => {
  await withRelease([{ vsn: '1', modules: { 'fx/app': APP, 'fx/srv': SRV(1) } }], async (state, handler, root) => {
    writeVersion2(root);
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 1);
    const up = (await (handler.install as Install)('2', { probeMs: 0 })) as InstallReport;
    assert.deepEqual(up.apps.added, ['lx']);
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 50, "fx's server calls lx's module");
    assert.deepEqual((await state.node.run((ctx) => application.whichApplications(ctx))).map((a) => a.name).sort(), ['fx', 'lx']);
    const down = (await (handler.install as Install)('1', { probeMs: 0 })) as InstallReport;
    assert.deepEqual(down.apps.removed, ['lx']);
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 1);
    assert.deepEqual((await state.node.run((ctx) => application.whichApplications(ctx))).map((a) => a.name), ['fx']);
  });
});

test("a downgrade that removes an application reports among the killed the processes its modules' purge killed, pid and module", async () => {
  const LX_LOOP = 'export async function loop(ctx: any) { for (;;) await ctx.receive(); }';
  await withRelease([{ vsn: '1', modules: { 'fx/app': APP, 'fx/srv': SRV(1) } }], async (state, handler, root) => {
    writeVersion2(root);
    // lx 1 has a second module, a loop that a process outside lx runs.
    const lib = join(root, 'lib', 'lx-1');
    writeFileSync(join(lib, 'src', 'loop.js'), transformSync(LX_LOOP, { loader: 'ts', format: 'cjs', sourcefile: 'lx/loop.ts' }).code);
    const resource = JSON.parse(readFileSync(join(lib, 'app.json'), 'utf8')) as { modules: Record<string, string> };
    writeFileSync(join(lib, 'app.json'), JSON.stringify({ ...resource, modules: { ...resource.modules, 'lx/loop': 'src/loop.js' } }));
    await (handler.install as Install)('2', { probeMs: 0 });
    const worker = state.node.spawn(codeServerOf(state.node).exportsOf('lx/loop').loop as never);
    const down = (await (handler.install as Install)('1', { probeMs: 0 })) as InstallReport;
    assert.deepEqual(down.apps.removed, ['lx']);
    assert.equal(state.node.processInfo(worker), undefined, "unloading lx's modules killed the process running lx/loop");
    assert.deepEqual(down.killed, [{ pid: String(worker), module: 'lx/loop' }]);
  });
});
