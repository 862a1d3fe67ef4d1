import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runtime from '@otp-ts/runtime';
import type { UpgradeError, CodeError} from '@otp-ts/runtime';
import { genServer, sys, isDown, type Pid } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';
import { replaceOrFail } from '../../../test/support/wait.ts';

const compile = compileModule;
const codeOf = codeServerFor;

const counterV1 = `
import { ok, reply, noreply, type GenServer } from '@otp-ts/runtime';
type State = { count: number };
export const counter: GenServer<State, 'get' | 'inc', never, unknown, void> = {
  name: 'counter',
  init: () => ok({ count: 0 }),
  handleCall: (req, _from, s) => req === 'inc' ? reply(s.count + 1, { count: s.count + 1 }) : reply(s, s),
};`;

const counterV2 = `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
type State = { count: number; history: number[] };
export const counter: GenServer<State, 'get' | 'inc', never, unknown, void> = {
  name: 'counter',
  init: () => ok({ count: 0, history: [] }),
  handleCall: (req, _from, s) => req === 'inc' ? reply(s.count + 1, { count: s.count + 1, history: [...s.history, s.count] }) : reply(s, s),
  codeChange: (_old, s: unknown) => ({ count: (s as { count: number }).count, history: [] }),
};`;

test('a cross-module call reaches the newest version while running code keeps its own locals', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.load(compile('app/greeting', `export function greet(n: string) { return 'hello ' + n; }`));
    await code.load(compile('app/user', `import { greet } from './greeting'; export function welcome(n: string) { return greet(n) + '!'; }`));
    const user = code.exportsOf('app/user') as { welcome: (n: string) => string };
    assert.equal(user.welcome('ann'), 'hello ann!');
    await code.load(compile('app/greeting', `export function greet(n: string) { return 'hi ' + n; }`));
    assert.equal(user.welcome('ann'), 'hi ann!', 'the importer reaches the new version');
    assert.notEqual(code.versions('app/greeting').current, code.versions('app/greeting').old);
  });
});

test('a process inside the old version finishes its local loop; purge kills a process still in old code', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    const looper = (tag: string) => compile('app/looper', `
      import type { ProcessContext } from '@otp-ts/runtime';
      function tag() { return '${tag}'; }
      export async function loop(ctx: ProcessContext) {
        for (;;) { const m = await ctx.receive() as { from: any }; ctx.send(m.from, tag()); }
      }`);
    await code.load(looper('v1'));
    const oldLoop = (code.exportsOf('app/looper') as { loop: runtime.ProcessFn }).loop;
    await node.run(async (ctx) => {
      const worker = ctx.spawn(oldLoop);
      await code.load(looper('v2'));
      ctx.send(worker, { from: ctx.self() });
      assert.equal(await ctx.receive(), 'v1', 'the running loop keeps calling its own local function');
      const fresh = ctx.spawn((code.exportsOf('app/looper') as { loop: runtime.ProcessFn }).loop);
      ctx.send(fresh, { from: ctx.self() });
      assert.equal(await ctx.receive(), 'v2');
      assert.equal(code.softPurge('app/looper'), false, 'softPurge refuses while old code runs');
      const ref = ctx.monitor(worker);
      assert.equal(code.purge('app/looper'), 1);
      assert.equal((await ctx.receive((m) => isDown(m, ref)) as runtime.Down).reason, 'killed');
      assert.equal(ctx.isAlive(fresh), true);
      assert.equal(code.softPurge('app/looper'), true);
    });
  });
});

test('loading a third version purges the oldest and kills the processes still running it', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    const mod = (n: number) => compile('app/idle', `import type { ProcessContext } from '@otp-ts/runtime'; export async function idle(ctx: ProcessContext) { await ctx.receive(); return ${n}; }`);
    await code.load(mod(1));
    const p1 = node.spawn((code.exportsOf('app/idle') as { idle: runtime.ProcessFn }).idle);
    await code.load(mod(2));
    assert.equal(node.isAlive(p1), true, 'two versions may coexist');
    await code.load(mod(3));
    assert.equal(node.isAlive(p1), false, 'the oldest version was purged with its process');
  });
});

test('upgrade: the same pid answers with its migrated state after codeChange', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.load(compile('app/counter', counterV1, '1'));
    await node.run(async (ctx) => {
      const srv: Pid = await genServer.startLink(ctx, (code.exportsOf('app/counter') as { counter: runtime.GenServer<unknown, string, never, unknown, void> }).counter, undefined);
      await genServer.call(ctx, srv, 'inc');
      await genServer.call(ctx, srv, 'inc');
      const report = await runtime.upgradeModules(ctx, code, [compile('app/counter', counterV2, '2')], { extra: null });
      assert.deepEqual(report.modules, [{ name: 'app/counter', from: '1', to: '2' }]);
      assert.deepEqual(report.processes, [srv]);
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { count: 2, history: [] });
      assert.equal(await genServer.call(ctx, srv, 'inc'), 3);
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { count: 3, history: [2] }, 'the new callbacks run');
      assert.equal((await sys.getStatus(ctx, srv)).status, 'running');
      assert.equal(code.softPurge('app/counter'), true, 'no process runs the old version any more');
    });
  });
});

test('upgrade: a codeChange that throws rolls back code and state and the server keeps serving', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.load(compile('app/counter', counterV1, '1'));
    const broken = replaceOrFail(counterV2, "codeChange: (_old, s: unknown) => ({ count: (s as { count: number }).count, history: [] }),", "codeChange: () => { throw new Error('cannot migrate'); },");
    await node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, (code.exportsOf('app/counter') as { counter: runtime.GenServer<unknown, string, never, unknown, void> }).counter, undefined);
      await genServer.call(ctx, srv, 'inc');
      await assert.rejects(runtime.upgradeModules(ctx, code, [compile('app/counter', broken, '2')]), (e: UpgradeError) => {
        return e.stage === 'codeChange' && e.module === 'app/counter' && e.pid === srv && /cannot migrate/.test(e.message);
      });
      assert.deepEqual(code.versions('app/counter'), { current: '1', old: undefined });
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { count: 1 });
      assert.equal(await genServer.call(ctx, srv, 'inc'), 2, 'the old callbacks still run');
      assert.equal((await sys.getStatus(ctx, srv)).status, 'running');
    });
  });
});

test('a module that fails to evaluate changes nothing and names the module', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.load(compile('app/m', `export const v = 1;`));
    await assert.rejects(code.load({ name: 'app/m', code: 'exports.v = ;', filename: '/virtual/app/m.js' }), (e: CodeError) => e.code === 'evaluation' && /module app\/m failed to load/.test(e.message));
    await assert.rejects(code.load(compile('app/n', `throw new Error('top level boom');`)), /app\/n failed to load: top level boom/);
    await assert.rejects(code.load(compile('app/o', `import { x } from 'no-such-package-anywhere'; export const y = x;`)), (e: CodeError) => e.code === 'external' && /imports 'no-such-package-anywhere'/.test(e.message));
    await assert.rejects(code.load(compile('app/p', `import { q } from './missing'; export const y = q;`)), (e: CodeError) => /app\/missing/.test(e.message));
    assert.equal((code.exportsOf('app/m') as { v: number }).v, 1);
  });
});

test('upgrade: when one process fails its codeChange, the processes already migrated get their old state and code back', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.load(compile('app/counter', counterV1, '1'));
    const picky = counterV2.replace(
      "codeChange: (_old, s: unknown) => ({ count: (s as { count: number }).count, history: [] }),",
      "codeChange: (_old, s: unknown) => { if ((s as { count: number }).count > 1) throw new Error('too big to migrate'); return { count: (s as { count: number }).count, history: [] }; },",
    );
    await node.run(async (ctx) => {
      const mod = (code.exportsOf('app/counter') as { counter: runtime.GenServer<unknown, string, never, unknown, void> }).counter;
      const small = await genServer.startLink(ctx, mod, undefined);
      const big = await genServer.startLink(ctx, mod, undefined);
      await genServer.call(ctx, small, 'inc');
      for (let i = 0; i < 5; i++) await genServer.call(ctx, big, 'inc');
      await assert.rejects(runtime.upgradeModules(ctx, code, [compile('app/counter', picky, '2')]), (e: UpgradeError) => e.pid === big);
      assert.deepEqual(await genServer.call(ctx, small, 'get'), { count: 1 }, 'the migrated state was put back');
      assert.equal(await genServer.call(ctx, small, 'inc'), 2);
      assert.deepEqual(await genServer.call(ctx, small, 'get'), { count: 2 }, 'and the old code runs again');
    });
  });
});

test('modules that import each other circularly load together; a cycle used at load time names the module', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.loadAll([
      compile('app/ping', `import { pong } from './pong'; export function ping(n: number): string { return n === 0 ? 'done' : pong(n - 1); }`),
      compile('app/pong', `import { ping } from './ping'; export function pong(n: number): string { return ping(n); }`),
    ]);
    assert.equal((code.exportsOf('app/ping').ping as (n: number) => string)(5), 'done');
    await assert.rejects(
      code.loadAll([compile('app/a', `import { b } from './b'; export const a = b() + 1;`), compile('app/b', `import { a } from './a'; export function b() { return a; }`)]),
      (e: CodeError) => e.code === 'evaluation' && /module app\/a failed to load/.test(e.message),
    );
  });
});
