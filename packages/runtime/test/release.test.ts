import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runtime from '@otp-ts/runtime';
import { genServer, supervisor, sys, type Pid } from '@otp-ts/runtime';
import { substituteEnv, parseNodeArgs, checkSysConfig, unknownConfigApps, ReleaseConfigError } from '@otp-ts/runtime/tools';
import { withNode, compileModule, codeServerFor } from './helpers.ts';
import { waitFor, replaceOrFail } from '../../../test/support/wait.ts';

const compile = compileModule;
const codeOf = codeServerFor;

const worker = `
import { ok, reply, genServer, type GenServer, type ProcessContext } from '@otp-ts/runtime';
export const echo: GenServer<string, 'who', never, string, string> = { init: (id) => ok(id), handleCall: (_r, _f, s) => reply(s, s) };
export const start = (id: string) => (ctx: ProcessContext) => genServer.startLink(ctx, echo, id, { name: id });`;

const sup = (children: string[]) => `
import { supervisor, type Supervisor } from '@otp-ts/runtime';
import { start } from './worker';
export const sup: Supervisor<void> = {
  name: 'top',
  init: () => ({ flags: { strategy: 'oneForOne', intensity: ${children.length + 1}, period: 5 }, children: [${children.map((c) => `supervisor.worker('${c}', start('${c}'))`).join(', ')}] }),
};`;

test('upgrade: a supervisor whose init changed gets its new child specs; syncChildren starts added children and stops removed ones', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.loadAll([compile('app/worker', worker, '1'), compile('app/sup', sup(['a', 'b']), '1')]);
    await node.run(async (ctx) => {
      const top = await supervisor.startLink(ctx, (code.exportsOf('app/sup') as { sup: runtime.Supervisor<void> }).sup, undefined, { name: 'top' });
      const a = ctx.whereis('a')!;
      const report = await runtime.upgradeModules(ctx, code, [compile('app/sup', sup(['a', 'c']), '2')]);
      assert.deepEqual(report.processes, [top], 'the supervisor is migrated like any behaviour process');
      assert.deepEqual((await supervisor.whichChildren(ctx, top)).map((c) => [c.id, c.pid !== undefined]), [['b', true], ['c', false], ['a', true]], 'new children wait in the new order, removed ones stay after them, as OTP (listed newest first)');
      const b = ctx.whereis('b');
      assert.deepEqual(await supervisor.syncChildren(ctx, top), { started: ['c'], stopped: ['b'], stoppedPids: [b], failed: [] });
      assert.deepEqual((await supervisor.whichChildren(ctx, top)).map((c) => c.id), ['c', 'a']);
      assert.equal(ctx.whereis('a'), a, 'an unchanged child keeps running');
      assert.equal(await genServer.call(ctx, 'c' as never, 'who'), 'c');
      assert.equal(ctx.whereis('b'), undefined);
      const killed = ctx.whereis('c')!;
      ctx.exit(killed, 'kill');
      await waitFor('the added child to be restarted', () => { const now = ctx.whereis('c'); return now !== undefined && now !== killed; });
      assert.equal(await genServer.call(ctx, 'c' as never, 'who'), 'c', 'the added child is supervised');
    });
  });
});

test("upgrade: a child the new init adds between two others takes its place in the new start order, as after a boot of the new version: rest_for_one restarts the children after it", async () => {
  const restForOne = (children: string[]) => sup(children).replace("'oneForOne'", "'restForOne'");
  assert.notEqual(restForOne(['a']), sup(['a']), 'the edit applied');
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.loadAll([compile('app/worker', worker, '1'), compile('app/sup', restForOne(['a', 'c']), '1')]);
    await node.run(async (ctx) => {
      const top = await supervisor.startLink(ctx, (code.exportsOf('app/sup') as { sup: runtime.Supervisor<void> }).sup, undefined);
      await runtime.upgradeModules(ctx, code, [compile('app/sup', restForOne(['a', 'b', 'c']), '2')]);
      assert.deepEqual((await supervisor.syncChildren(ctx, top)).started, ['b']);
      assert.deepEqual((await supervisor.whichChildren(ctx, top)).map((c) => c.id), ['c', 'b', 'a'], 'the order of the new child specs (listed newest first)');
      const [a, b, c] = ['a', 'b', 'c'].map((id) => ctx.whereis(id)!) as [Pid, Pid, Pid];
      ctx.exit(b, 'kill');
      const restarted = (id: string, was: Pid) => { const now = ctx.whereis(id); return now !== undefined && now !== was; };
      await waitFor('b and the child after it to be restarted', () => restarted('b', b) && restarted('c', c));
      assert.equal(ctx.whereis('a'), a, 'the child before it runs on');
    });
  });
});

test('downgrade: a supervisor takes the child specs of the older module back, and syncChildren applies them', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.loadAll([compile('app/worker', worker, '1'), compile('app/sup', sup(['a', 'b']), '1')]);
    await node.run(async (ctx) => {
      const top = await supervisor.startLink(ctx, (code.exportsOf('app/sup') as { sup: runtime.Supervisor<void> }).sup, undefined);
      await runtime.upgradeModules(ctx, code, [compile('app/sup', sup(['a', 'c']), '2')]);
      await supervisor.syncChildren(ctx, top);
      await runtime.upgradeModules(ctx, code, [compile('app/sup', sup(['a', 'b']), '1')], { downgrade: true, perModule: { 'app/sup': { oldVsn: { down: '1' } } } });
      const c = ctx.whereis('c');
      assert.deepEqual(await supervisor.syncChildren(ctx, top), { started: ['b'], stopped: ['c'], stoppedPids: [c], failed: [] }, "the older init ran, not the leaving version's");
      assert.deepEqual((await supervisor.whichChildren(ctx, top)).map((c) => c.id), ['b', 'a']);
    });
  });
});

test('a child restarted after its module was upgraded runs the new code, as an {M, F, A} start does in OTP', async () => {
  // The spec's start is an exported function (like the templates' startLink), not a closure made at init.
  const versioned = (tag: string) => `
import { ok, reply, genServer, type GenServer, type ProcessContext } from '@otp-ts/runtime';
export const echo: GenServer<string, 'who', never, string, string> = { init: (id) => ok(id), handleCall: (_r, _f, s) => reply('${tag}:' + s, s), codeChange: (_o, s) => s };
export const startA = (ctx: ProcessContext) => genServer.startLink(ctx, echo, 'a', { name: 'a' });`;
  const topSup = `
import { supervisor, type Supervisor } from '@otp-ts/runtime';
import { startA } from './echo';
export const sup: Supervisor<void> = { init: () => ({ flags: { strategy: 'oneForOne', intensity: 3, period: 5 }, children: [supervisor.worker('a', startA)] }) };`;
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.loadAll([compile('restart/echo', versioned('v1'), '1'), compile('restart/sup', topSup, '1')]);
    await node.run(async (ctx) => {
      await supervisor.startLink(ctx, (code.exportsOf('restart/sup') as { sup: runtime.Supervisor<void> }).sup, undefined);
      assert.equal(await genServer.call(ctx, 'a' as never, 'who'), 'v1:a');
      await runtime.upgradeModules(ctx, code, [compile('restart/echo', versioned('v2'), '2')]);
      assert.equal(await genServer.call(ctx, 'a' as never, 'who'), 'v2:a', 'the running child migrated');
      const before = ctx.whereis('a')!;
      ctx.exit(before, 'kill');
      await waitFor('the supervisor to restart a', () => ctx.whereis('a') !== undefined && ctx.whereis('a') !== before);
      assert.equal(await genServer.call(ctx, 'a' as never, 'who'), 'v2:a', "the restarted child runs the new version, not the one the spec's start came from");
    });
  });
});

test('upgrade: a supervisor whose new init is invalid rolls back, keeping its children and its old module', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.loadAll([compile('app/worker', worker, '1'), compile('app/sup', sup(['a']), '1')]);
    await node.run(async (ctx) => {
      const top = await supervisor.startLink(ctx, (code.exportsOf('app/sup') as { sup: runtime.Supervisor<void> }).sup, undefined);
      const broken = replaceOrFail(sup(['a']), "strategy: 'oneForOne'", "strategy: 'sideways' as never");
      await assert.rejects(runtime.upgradeModules(ctx, code, [compile('app/sup', broken, '2')]), (e: runtime.UpgradeError) => e.stage === 'codeChange' && e.pid === top);
      assert.deepEqual(code.versions('app/sup'), { current: '1', old: undefined });
      assert.deepEqual((await supervisor.whichChildren(ctx, top)).map((c) => c.id), ['a']);
      assert.equal((await sys.getStatus(ctx, top)).status, 'running');
    });
  });
});

const counter = (vsn: number) => `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const counter: GenServer<any, 'inc' | 'get', never, unknown, void> = {
  init: () => ok(${vsn === 1 ? '{ n: 0 }' : '{ n: 0, by: 1 }'}),
  handleCall: (req, _f, s) => (req === 'inc' ? reply(s.n + 1, { ...s, n: s.n + 1 }) : reply(s, s)),
  codeChange: (oldVsn: any, s: any) => ${vsn === 1 ? 's' : "(oldVsn && typeof oldVsn === 'object' && 'down' in oldVsn ? { n: s.n, downTo: oldVsn.down } : { n: s.n, by: 1, from: oldVsn })"},
};`;

test('downgrade: the version being left migrates the state back with {down: vsn}, then the process runs the older code', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.load(compile('app/counter', counter(1), '1'));
    await node.run(async (ctx) => {
      const srv: Pid = await genServer.startLink(ctx, (code.exportsOf('app/counter') as { counter: runtime.GenServer<unknown, string, never, unknown, void> }).counter, undefined);
      await genServer.call(ctx, srv, 'inc');
      await runtime.upgradeModules(ctx, code, [compile('app/counter', counter(2), '2')], { perModule: { 'app/counter': { oldVsn: '0.1.0' } } });
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { n: 1, by: 1, from: '0.1.0' });
      const report = await runtime.upgradeModules(ctx, code, [compile('app/counter', counter(1), '1')], { downgrade: true, perModule: { 'app/counter': { oldVsn: { down: '0.1.0' } } } });
      assert.equal(report.processes.length, 1);
      assert.ok(report.suspendedMs >= 0);
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { n: 1, downTo: '0.1.0' }, "the 0.2 module's codeChange ran with {down}");
      assert.equal(await genServer.call(ctx, srv, 'inc'), 2);
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { n: 2, downTo: '0.1.0' }, 'and the 0.1 callbacks run now');
    });
  });
});

test('sys.config values get ${VAR} and ${VAR:-default} substituted inside strings, never in the JSON text', () => {
  const config = { shop: { url: 'postgres://${DB_HOST:-localhost}:${DB_PORT}/shop', tags: ['${TAG}', 'x'], n: 3, quoted: '${QUOTE}' } };
  const out = substituteEnv(config, { DB_PORT: '5432', TAG: 'blue', QUOTE: '"}' }, 'sys.config.json');
  assert.deepEqual(out, { shop: { url: 'postgres://localhost:5432/shop', tags: ['blue', 'x'], n: 3, quoted: '"}' } });
  assert.throws(
    () => substituteEnv(config, {}, 'releases/0.1.0/sys.config.json'),
    (e: ReleaseConfigError) => e instanceof ReleaseConfigError && e.message === 'releases/0.1.0/sys.config.json: ${DB_PORT} at shop.url is not set: export DB_PORT, or write ${DB_PORT:-default}',
  );
  // Set but empty (DB_PORT= in the shell): exporting it, the fix for an unset one, would change nothing.
  assert.throws(
    () => substituteEnv(config, { DB_PORT: '' }, 'releases/0.1.0/sys.config.json'),
    (e: ReleaseConfigError) => e instanceof ReleaseConfigError && e.message === 'releases/0.1.0/sys.config.json: ${DB_PORT} at shop.url is set but empty: give DB_PORT a value, or write ${DB_PORT:-default}',
  );
  assert.throws(() => checkSysConfig([1], 'f.json'), /must hold a JSON object of applications/);
  assert.throws(() => checkSysConfig({ shop: 3 }, 'f.json'), /the entry of 'shop' must be an object/);
});

test("a boot warns of sys.config.json settings for an application the release does not run, naming the closest", () => {
  const file = 'releases/0.1.0/sys.config.json';
  assert.deepEqual(unknownConfigApps({ myapp: {} }, ['myapp'], file), []);
  assert.deepEqual(unknownConfigApps({ myap: { port: 1 }, MyApp: {}, billing: {} }, ['myapp', 'store'], file), [
    "warning: releases/0.1.0/sys.config.json has settings for application 'myap', which this release does not run (did you mean 'myapp'?): they reach no application; rename or remove that key (the release's applications: myapp, store)",
    "warning: releases/0.1.0/sys.config.json has settings for application 'MyApp', which this release does not run (did you mean 'myapp'?): they reach no application; rename or remove that key (the release's applications: myapp, store)",
    "warning: releases/0.1.0/sys.config.json has settings for application 'billing', which this release does not run: they reach no application; rename or remove that key (the release's applications: myapp, store)",
  ]);
});

test('node.args gives the node name, cookie and Node.js flags; comments, quotes and ${VAR} are understood', () => {
  const args = parseNodeArgs('# the node\n--name shop@127.0.0.1\n-setcookie "${COOKIE:-s3cret}"  # the cookie\n--enable-source-maps --max-old-space-size=512\n', {}, 'node.args');
  assert.deepEqual(args, { name: 'shop@127.0.0.1', cookie: 's3cret', hidden: false, nodeFlags: ['--enable-source-maps', '--max-old-space-size=512'] });
  assert.equal(parseNodeArgs('--sname shop', {}, 'node.args').name, 'shop@127.0.0.1');
  assert.throws(() => parseNodeArgs('--name', {}, 'node.args'), /node.args:1: -name needs a value|node.args:1: --name needs a value/);
  assert.throws(() => parseNodeArgs('--name shop', {}, 'node.args'), /'shop' is not a node name: use name@host/);
  assert.throws(() => parseNodeArgs('shop', {}, 'node.args'), /'shop' is not a flag/);
});
