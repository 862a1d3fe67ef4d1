// The release handler's install on a running release (a release root written by release-fixture.ts): what the
// operator's mistakes and a failing file system do to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { application, genServer } from '../src/index.ts';
import { readReleases } from '../src/release/files.ts';
import { withRelease, writeVersion, APP, type FixtureVersion } from './release-fixture.ts';
import type { InstallError, InstallReport } from '../src/release/handler.ts';
import { codeServerOf } from '../src/code/server.ts';

// Version `v` of fx/srv: counts bumps; its codeChange records the version it moved to (v on an upgrade, v - 1 on a downgrade), after running `before`.
const srv = (v: number, before = '') => `
import { ok, reply } from '@otp-ts/runtime';
export const srv = {
  name: 'srv',
  init: () => ok({ n: 0, v: ${v} }),
  handleCall: (req: any, _f: unknown, s: any) => (req === 'bump' ? reply(++s.n, s) : reply(s, s)),
  codeChange: (o: unknown, s: any) => { ${before}; return { ...s, v: o !== null && typeof o === 'object' ? ${v - 1} : ${v} }; },
};`;

const version = (v: number, before = ''): FixtureVersion => ({ vsn: String(v), modules: { 'fx/app': APP, 'fx/srv': srv(v, before) } });

type Install = (vsn: string, options?: { probeMs?: number; expect?: 'up' | 'down' }) => Promise<unknown>;

// The install's own error (node.run wraps it in its process's exit).
const installError = (e: unknown): InstallError => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as InstallError;

test('a RELEASES.json that cannot be rewritten refuses the upgrade before anything changes, naming the file and the fix', async () => {
  await withRelease([version(1), version(2)], async (state, handler, root) => {
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'bump')), 1);
    const releasesBefore = readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8');
    // What a read-only releases/ (or a full disk) does to the rename-into-place write, even for root.
    mkdirSync(join(root, 'releases', 'RELEASES.json.tmp'));
    const error = installError(await (handler.install as Install)('2', { probeMs: 0 }).then(() => assert.fail('the install succeeded'), (e: unknown) => e));
    assert.equal(error.stage, 'check');
    assert.match(error.message, /RELEASES\.json cannot be written \(EISDIR.*\), so no version could be made permanent: make .*releases writable by the node's user and run the upgrade again$/);
    assert.equal(state.files.release.vsn, '1');
    assert.deepEqual(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), { n: 1, v: 1 }, 'the server was never touched');
    assert.equal(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8'), releasesBefore);
    assert.equal(state.lastUpgrade, undefined, 'a refusal is no upgrade');
  });
});

test('an upgrade that cannot be made permanent is rolled back: the node runs the version its next boot starts, and says so', async () => {
  // 2's codeChange makes RELEASES.json unwritable after the check passed (a disk filling up during the upgrade).
  const block = "require('node:fs').mkdirSync((globalThis as any).fxBlock, { recursive: true })";
  await withRelease([version(1), version(2, block)], async (state, handler, root) => {
    (globalThis as { fxBlock?: string }).fxBlock = join(root, 'releases', 'RELEASES.json.tmp');
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'bump')), 1);
    const error = installError(await (handler.install as Install)('2', { probeMs: 0 }).then(() => assert.fail('the install succeeded'), (e: unknown) => e));
    assert.equal(error.stage, 'permanent');
    assert.match(error.message, /^upgrade to 2 rolled back, 1 still runs: 2 could not be made permanent: EISDIR/);
    assert.equal(state.files.release.vsn, '1', 'the node runs 1 ...');
    assert.equal((await readReleases(root)).releases.find((r) => r.status === 'permanent')?.vsn, '1', '... which is what its next boot starts');
    assert.deepEqual(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), { n: 1, v: 1 }, 'on the code of 1, its count kept');
    assert.equal(state.lastUpgrade?.outcome, 'rolled back');
  });
});

test("a version whose server's top level calls what its changed helper module adds passes the check and installs", async () => {
  const helpers = (v: number) => `export function limit() { return ${v}; }${v > 1 ? '\nexport function config() { return { limit: 50 }; }' : ''}`;
  const server = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
${v > 1 ? "import { config } from './helpers';\nconst LIMIT = config().limit;" : "import { limit } from './helpers';\nconst LIMIT = limit();"}
export const srv = { name: 'srv', init: () => ok({ n: 0 }), handleCall: (_r: unknown, _f: unknown, s: any) => reply(LIMIT, s), codeChange: (_o: unknown, s: any) => s };`;
  const v = (n: number): FixtureVersion => ({ vsn: String(n), modules: { 'fx/app': APP, 'fx/helpers': helpers(n), 'fx/srv': server(n) }, changed: ['fx/srv', 'fx/helpers'] });
  await withRelease([v(1), v(2)], async (state, handler) => {
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 1);
    await (handler.install as Install)('2', { probeMs: 0 });
    assert.equal(state.files.release.vsn, '2');
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 50);
  });
});

test("after an upgrade that changed the application's callback module, stopping the application runs the new version's prepStop and stop", async () => {
  // The application module of version v records which version's prepStop and stop ran.
  const app = (v: number) =>
    APP.replace(
      'export default { start:',
      `const seen = ((globalThis as any).fxAppStops ??= []);\nexport default { prepStop: (s: unknown) => { seen.push('prepStop ${v}'); return s; }, stop: () => { seen.push('stop ${v}'); }, start:`,
    );
  assert.notEqual(app(1), APP, 'the edit applied');
  const v = (n: number): FixtureVersion => ({ vsn: String(n), modules: { 'fx/app': app(n), 'fx/srv': srv(n) }, changed: ['fx/app', 'fx/srv'] });
  const seen: string[] = ((globalThis as { fxAppStops?: string[] }).fxAppStops = []);
  await withRelease([v(1), v(2)], async (state, handler) => {
    await (handler.install as Install)('2', { probeMs: 0 });
    assert.equal(state.files.release.vsn, '2');
    await state.node.run((ctx) => application.stop(ctx, 'fx'));
    assert.deepEqual(seen, ['prepStop 2', 'stop 2']);
  });
});

test('an upgrade command whose relup step goes the other way (upgrade to an older version, downgrade to a newer one) is refused naming the command to run, and changes nothing', async () => {
  await withRelease([version(1), version(2)], async (state, handler) => {
    const refusal = (r: unknown) => (r as { refused?: string }).refused;
    assert.match(refusal(await (handler.install as Install)('2', { probeMs: 0, expect: 'down' })) ?? '', /^2 is an upgrade from the running 1, not a downgrade: run bin\/fx upgrade 2$/);
    assert.equal(state.files.release.vsn, '1', 'nothing was installed');
    await (handler.install as Install)('2', { probeMs: 0, expect: 'up' });
    assert.match(refusal(await (handler.install as Install)('1', { probeMs: 0, expect: 'up' })) ?? '', /^1 is a downgrade from the running 2, not an upgrade: run bin\/fx downgrade 1$/);
    assert.equal(state.files.release.vsn, '2');
    await (handler.install as Install)('1', { probeMs: 0, expect: 'down' });
    assert.equal(state.files.release.vsn, '1', 'the direction asked for is installed');
  });
});

test('an install to a version the node cannot go to (not unpacked, no relup to it, running already) is answered as a refusal, for the start script to exit 2, and changes nothing', async () => {
  await withRelease([version(1), version(2)], async (state, handler, root) => {
    const refusal = (r: unknown) => (r as { refused?: string }).refused;
    assert.match(refusal(await (handler.install as Install)('9', { probeMs: 0 })) ?? '', /^version 9 is not unpacked in .*: unpack it first \(bin\/fx unpack 9\); versions here: 1, 2$/);
    assert.match(refusal(await (handler.install as Install)('1', { probeMs: 0 })) ?? '', /^fx 1 is already running, so there is nothing to install: give another version \(bin\/fx versions lists them\)$/);
    await (handler.install as Install)('2', { probeMs: 0 });
    // 2's relup.json, as the downgrade reads it, has no step down to 1, and 1 has no relup at all: a version with no way to it.
    writeFileSync(join(root, 'releases', '2', 'relup.json'), JSON.stringify({ vsn: '2', up: [], down: [] }));
    assert.match(refusal(await (handler.install as Install)('1', { probeMs: 0 })) ?? '', /^no relup leads from 2 to 1: build 1 with otp release --upgrade-from 2$/);
    assert.equal(state.files.release.vsn, '2');
    assert.equal(state.lastUpgrade?.outcome, 'installed', 'a refusal is no upgrade');
  });
});

// The relup step changing fx's server from `from` to `to`, adding and removing modules.
const changeStep = (from: string, to: string, added: string[], removed: string[]) => ({ vsn: from === '1' ? from : to, apps: [{ kind: 'change' as const, app: 'fx', from, to, added, removed, changed: [{ module: 'fx/srv', behaviour: 'gen_server' as const }] }] });

// Writes version 2 (its relup adding `added` and removing `removed` from 1) into the root and lists it as unpacked.
function addVersion2(root: string, v2: FixtureVersion, added: string[], removed: string[]): void {
  writeVersion(root, v2, { up: [changeStep('1', '2', added, removed)], down: [changeStep('2', '1', removed, added)] });
  const releases = JSON.parse(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8')) as { releases: unknown[] };
  releases.releases.push({ vsn: '2', status: 'unpacked', applications: [{ name: 'fx', vsn: '2' }] });
  writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify(releases));
}

// fx/aux: a loop a worker runs. auxServer(v, codeChange): fx/srv of version v, whose init (in 1) starts that worker as
// fx_aux, answering its state's v; 2 removes fx/aux, so the worker runs a module its version no longer has.
const AUX = `export async function loop(ctx: any) { for (;;) await ctx.receive(); }`;
const auxServer = (v: number, codeChange: string): string => `
import { ok, reply } from '@otp-ts/runtime';
${v === 1 ? "import { loop } from './aux';" : ''}
export const srv = {
  name: 'srv',
  init: (_a: unknown, ctx: any) => { ${v === 1 ? "if (!ctx.whereis('fx_aux')) ctx.register('fx_aux', ctx.spawn(loop));" : ''} return ok({ v: ${v} }); },
  handleCall: (_r: unknown, _f: unknown, s: any) => reply(s.v, s),
  codeChange: ${codeChange},
};`;

test("a downgrade that adds back a module the upgrade removed and is refused at its check kills none of the processes still running that module's code", async () => {
  // 1 has fx/aux, whose loop a worker runs (started by the server's init); 2 removes fx/aux, and its codeChange puts a
  // WeakMap in the server's state, so the downgrade back to 1 is refused when that state cannot be copied.
  const server = (v: number) => auxServer(v, `(_o: unknown, s: any) => ({ v: ${v}, ${v === 2 ? 'memo: new WeakMap()' : ''} })`);
  const v1: FixtureVersion = { vsn: '1', modules: { 'fx/app': APP, 'fx/aux': AUX, 'fx/srv': server(1) } };
  const v2: FixtureVersion = { vsn: '2', modules: { 'fx/app': APP, 'fx/srv': server(2) } };
  await withRelease([v1], async (state, handler, root) => {
    addVersion2(root, v2, [], ['fx/aux']);
    const worker = state.node.whereis('fx_aux');
    assert.ok(worker, 'the worker on fx/aux runs');
    await (handler.install as Install)('2', { probeMs: 0 });
    assert.equal(state.node.processInfo(worker) !== undefined, true, 'the upgrade left the worker on the removed module running');
    const error = installError(await (handler.install as Install)('1', { probeMs: 0 }).then(() => assert.fail('the downgrade succeeded'), (e: unknown) => e));
    assert.equal(error.stage, 'check');
    assert.match(error.message, /WeakMap/);
    assert.equal(state.files.release.vsn, '2');
    assert.equal(state.node.processInfo(worker) !== undefined, true, 'a refused downgrade killed the worker still running fx/aux');
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 2);
  });
});

test('an upgrade that removed a module and is rolled back (or a downgrade that brings the module back) puts that very version back: the processes still running it live on', async () => {
  // As above: 1 has fx/aux, whose loop a worker runs; 2 removes it, and 2's codeChange makes RELEASES.json unwritable
  // (a disk filling up during the upgrade), so the upgrade is rolled back after its swap.
  const server = (v: number) =>
    auxServer(v, `(o: unknown, s: any) => { ${v === 2 ? "if ((globalThis as any).fxBlock && typeof o !== 'object') require('node:fs').mkdirSync((globalThis as any).fxBlock, { recursive: true });" : ''} return { v: typeof o === 'object' ? 1 : ${v} }; }`);
  await withRelease([{ vsn: '1', modules: { 'fx/app': APP, 'fx/aux': AUX, 'fx/srv': server(1) } }], async (state, handler, root) => {
    addVersion2(root, { vsn: '2', modules: { 'fx/app': APP, 'fx/srv': server(2) } }, [], ['fx/aux']);
    const worker = state.node.whereis('fx_aux')!;
    const block = ((globalThis as { fxBlock?: string }).fxBlock = join(root, 'releases', 'RELEASES.json.tmp'));
    const error = installError(await (handler.install as Install)('2', { probeMs: 0 }).then(() => assert.fail('the install succeeded'), (e: unknown) => e));
    assert.match(error.message, /^upgrade to 2 rolled back, 1 still runs: 2 could not be made permanent/);
    assert.ok(state.node.processInfo(worker), 'the rollback killed the worker running fx/aux, which the upgrade had removed');
    rmSync(block, { recursive: true });
    (globalThis as { fxBlock?: string }).fxBlock = undefined;
    await (handler.install as Install)('2', { probeMs: 0 });
    await (handler.install as Install)('1', { probeMs: 0 });
    assert.ok(state.node.processInfo(worker), 'the downgrade killed the worker running fx/aux, which it brings back');
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 1);
  });
});

test('an upgrade whose changed server imports, at its top level, a module the upgrade adds passes the check and installs; the downgrade removes it', async () => {
  const extra = `export function limit() { return 50; }`;
  const server = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
${v === 2 ? "import { limit } from './extra';\nconst LIMIT = limit();" : 'const LIMIT = 1;'}
export const srv = { name: 'srv', init: () => ok({}), handleCall: (_r: unknown, _f: unknown, s: any) => reply(LIMIT, s), codeChange: (_o: unknown, s: any) => s };`;
  await withRelease([{ vsn: '1', modules: { 'fx/app': APP, 'fx/srv': server(1) } }], async (state, handler, root) => {
    addVersion2(root, { vsn: '2', modules: { 'fx/app': APP, 'fx/extra': extra, 'fx/srv': server(2) } }, ['fx/extra'], []);
    await (handler.install as Install)('2', { probeMs: 0 });
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 50);
    await (handler.install as Install)('1', { probeMs: 0 });
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 1);
  });
});

// A configChange that throws, or whose promise never settles (which held the release handler and its upgrade guard for good).
for (const [how, body, reason] of [
  ['throws', "{ throw new Error('no port 2 here'); }", 'no port 2 here'],
  ['never returns', 'new Promise(() => {})', 'it did not return within 5000 ms'],
] as const) {
  test(`an upgrade whose application's configChange ${how} is rolled back with the reason, and the application controller and the applications run on`, async () => {
    const app2 = APP.replace('export default { start:', `export default { configChange: () => ${body}, start:`);
    assert.notEqual(app2, APP, 'the edit applied');
    await withRelease([version(1), { vsn: '2', modules: { 'fx/app': app2, 'fx/srv': srv(2) }, changed: ['fx/app', 'fx/srv'] }], async (state, handler, root) => {
      // 2 changes the application's env, which its configChange hears.
      const resource = join(root, 'lib', 'fx-2', 'app.json');
      writeFileSync(resource, JSON.stringify({ ...(JSON.parse(readFileSync(resource, 'utf8')) as object), env: { port: 2 } }));
      assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'bump')), 1);
      const error = installError(await (handler.install as Install)('2', { probeMs: 0 }).then(() => assert.fail('the install succeeded'), (e: unknown) => e));
      assert.equal(error.message, `upgrade to 2 rolled back, 1 still runs: configChange of application 'fx' failed: ${reason}`);
      assert.equal(state.files.release.vsn, '1');
      assert.deepEqual((await state.node.run((ctx) => application.whichApplications(ctx))).map((a) => `${a.name} ${a.vsn}`), ['fx 1'], 'the controller answers, fx runs at 1');
      assert.equal(await state.node.run(async (ctx) => application.getEnv(ctx, 'fx', 'port')), undefined, "1's env is back");
      assert.deepEqual(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), { n: 1, v: 1 }, 'the server serves on 1, its count kept');
      assert.equal((await (handler.versions as () => Promise<{ lastUpgrade?: { outcome: string } }>)()).lastUpgrade?.outcome, 'rolled back', 'the handler recorded the rollback');
    });
  });
}

test("an install evaluates each module it adds or changes once: a top level's side effect (a timer, a handler) is not left behind by a second, discarded evaluation", async () => {
  const counted = (name: string, body: string) => `(((globalThis as any).fxEvaluated ??= {})['${name}'] ??= 0, (globalThis as any).fxEvaluated['${name}']++);\n${body}`;
  const extra = counted('extra', 'export function limit() { return 50; }');
  const server = (v: number) => counted(`srv${v}`, `
import { ok, reply } from '@otp-ts/runtime';
${v === 2 ? "import { limit } from './extra';" : 'const limit = () => 1;'}
export const srv = { name: 'srv', init: () => ok({}), handleCall: (_r: unknown, _f: unknown, s: any) => reply(limit(), s), codeChange: (_o: unknown, s: any) => s };`);
  await withRelease([{ vsn: '1', modules: { 'fx/app': APP, 'fx/srv': server(1) } }], async (state, handler, root) => {
    addVersion2(root, { vsn: '2', modules: { 'fx/app': APP, 'fx/extra': extra, 'fx/srv': server(2) } }, ['fx/extra'], []);
    const evaluated = ((globalThis as { fxEvaluated?: Record<string, number> }).fxEvaluated = {});
    await (handler.install as Install)('2', { probeMs: 0 });
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 50);
    assert.deepEqual(evaluated, { extra: 1, srv2: 1 });
  });
});

test('an upgrade that purges the version before the running one reports the processes it killed for running it, pid and module, and its last-upgrade record (the observer\'s Upgrades view) names them', async () => {
  // 1 → 2 → 3 without a restart: a plain process spawned from 1's fx/srv runs on while 2 runs, and 3 purges 1.
  const withIdle = (v: number): FixtureVersion => ({ vsn: String(v), modules: { 'fx/app': APP, 'fx/srv': `${srv(v)}\nexport async function idle(ctx: any) { for (;;) await ctx.receive(); }` } });
  await withRelease([withIdle(1), withIdle(2), withIdle(3)], async (state, handler) => {
    const idle = codeServerOf(state.node).exportsOf('fx/srv').idle as (ctx: unknown) => Promise<void>;
    const old = state.node.spawn(idle as never);
    const second = (await (handler.install as Install)('2', { probeMs: 0 })) as InstallReport;
    assert.deepEqual(second.killed, [], 'nothing ran a purged version at 2');
    assert.ok(state.node.processInfo(old), "the process on 1's code runs on at 2");
    const third = (await (handler.install as Install)('3', { probeMs: 0 })) as InstallReport;
    assert.equal(state.node.processInfo(old), undefined, 'the install of 3 purged 1, killing the process');
    assert.deepEqual(third.killed, [{ pid: String(old), module: 'fx/srv' }]);
    // The observer's Upgrades view reads the last upgrade from versions(): it names them too.
    const versions = (await (handler.versions as () => Promise<{ lastUpgrade?: { to: string; killed?: unknown } }>)()).lastUpgrade;
    assert.equal(versions?.to, '3');
    assert.deepEqual(versions?.killed, [{ pid: String(old), module: 'fx/srv' }], 'the last upgrade names the processes it killed');
  });
});

test("an upgrade rolled back after its swap leaves none of the new version's top-level timers running: the old state, not the old state plus new timers", async () => {
  const block = "require('node:fs').mkdirSync((globalThis as any).fxBlock, { recursive: true })";
  // 2's top level counts its interval's runs (the interval ends itself after 2000, so no test leaves it running).
  const ticking = `${srv(2, block)}
const hits = ((globalThis as any).fxTicks ??= { n: 0 });
let runs = 0;
const i = setInterval(() => { hits.n++; if (++runs > 2000) clearInterval(i); }, 1);`;
  await withRelease([version(1), { vsn: '2', modules: { 'fx/app': APP, 'fx/srv': ticking } }], async (state, handler, root) => {
    const g = globalThis as { fxBlock?: string; fxTicks?: { n: number } };
    g.fxBlock = join(root, 'releases', 'RELEASES.json.tmp');
    try {
      const error = installError(await (handler.install as Install)('2', { probeMs: 0 }).then(() => assert.fail('the install succeeded'), (e: unknown) => e));
      assert.match(error.message, /^upgrade to 2 rolled back, 1 still runs: 2 could not be made permanent/);
      // Ordering, not a guess: a 10 ms timer runs after every 1 ms interval run due before it.
      await new Promise((resolve) => setTimeout(resolve, 10));
      g.fxTicks!.n = 0;
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(g.fxTicks!.n, 0, "2's interval stopped with the rollback");
      assert.deepEqual(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), { n: 0, v: 1 });
    } finally {
      rmSync(g.fxBlock, { recursive: true, force: true });
      g.fxBlock = undefined;
    }
  });
});
