// A codeChange that returns undefined (a plain-JS one converting its state in place and forgetting its return) is a
// failed codeChange, as OTP's code change that returns no {ok, State}: the upgrade rolls back, naming the module and
// the fix, and the process keeps its state. A state that was undefined may stay so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, genServer, sys, upgradeModules, type GenEventHandler, type GenServer, type Pid, type ProcessContext, type UpgradeError } from '@otp-ts/runtime';
import { withNode, compileModule, versionedServer, codeServerFor } from './helpers.ts';

type Srv = GenServer<unknown, 'get', never, unknown, unknown>;

// Version v of app/w (export srv): init's state is `init`, a call answers { vsn, state }, codeChange is the given member.
const server = (v: number, init: string, codeChange: string) => versionedServer('app/w', v, init, codeChange);

const missingReturn = /upgrade rolled back: codeChange of app\/w in <[\d.]+> failed: codeChange returned undefined instead of the new state \(a missing return\?\): return the new state, or the state it was given to keep it/;

for (const [kind, codeChange] of [
  ['sync', 'codeChange: (_o: unknown, s: any) => { s.n += 1; },'],
  ['async', 'codeChange: async (_o: unknown, s: any) => { s.n += 1; },'],
] as const) {
  test(`a gen_server whose ${kind} codeChange converts in place and returns undefined: the upgrade rolls back naming the module, and the server keeps its state`, async () => {
    await withNode(async (node) => {
      const code = codeServerFor(node);
      await code.load(server(1, '{ n: 1 }', ''));
      await node.run(async (ctx: ProcessContext) => {
        const pid = await genServer.start(ctx, (code.exportsOf('app/w') as { srv: Srv }).srv, undefined);
        await assert.rejects(upgradeModules(ctx, code, [server(2, '{ n: 1 }', codeChange)]), (e: UpgradeError) => e.stage === 'codeChange' && e.module === 'app/w' && e.pid === pid && missingReturn.test(e.message));
        assert.equal(code.versions('app/w').current, '1');
        assert.deepEqual(await genServer.call(ctx, pid, 'get'), { vsn: 1, state: { n: 1 } });
      });
    });
  });
}

test('a gen_server whose state is undefined and whose codeChange returns it (undefined) upgrades', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(server(1, 'undefined', ''));
    await node.run(async (ctx: ProcessContext) => {
      const pid = await genServer.start(ctx, (code.exportsOf('app/w') as { srv: Srv }).srv, undefined);
      await upgradeModules(ctx, code, [server(2, 'undefined', 'codeChange: (_o: unknown, s: unknown) => s,')]);
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), { vsn: 2, state: undefined });
    });
  });
});

test('sys.changeCode of a suspended gen_server to a version whose codeChange returns undefined refuses, and the server keeps its module and state', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(server(1, '{ n: 1 }', ''));
    const v2 = await code.evaluate(server(2, '{ n: 1 }', 'codeChange: (_o: unknown, s: any) => { s.n += 1; },'));
    await node.run(async (ctx: ProcessContext) => {
      const pid = await genServer.start(ctx, (code.exportsOf('app/w') as { srv: Srv }).srv, undefined);
      await sys.suspend(ctx, pid);
      await assert.rejects(sys.changeCode(ctx, pid, v2.exports.srv, '1'), /codeChange returned undefined instead of the new state/);
      await sys.resume(ctx, pid);
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), { vsn: 1, state: { n: 1 } });
    });
  });
});

const handler = (v: number, codeChange: string) =>
  compileModule('app/h', `
export const h = {
  init: () => ({ type: 'ok', state: { n: 1 } }),
  handleEvent: (_e: unknown, s: unknown) => ({ type: 'ok', state: s }),
  handleCall: (_r: unknown, s: unknown) => ({ type: 'reply', reply: { vsn: ${v}, state: s }, state: s }),
  ${codeChange}
};`, String(v));

test('a gen_event handler whose codeChange returns undefined: the upgrade rolls back, the handler keeps its state', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(handler(1, ''));
    await node.run(async (ctx: ProcessContext) => {
      const mgr = await genEvent.start(ctx);
      const h1 = (code.exportsOf('app/h') as { h: GenEventHandler<unknown, unknown, unknown, unknown> }).h;
      await genEvent.addHandler(ctx, mgr, h1, undefined);
      await assert.rejects(upgradeModules(ctx, code, [handler(2, 'codeChange: (_o: unknown, s: any) => { s.n = 2; },')]), (e: UpgradeError) => e.stage === 'codeChange' && e.module === 'app/h' && /returned undefined instead of the new state/.test(e.message));
      assert.deepEqual(await genEvent.call(ctx, mgr, h1, 'get'), { vsn: 1, state: { n: 1 } });
    });
  });
});

test('a special process (sys.special) whose codeChange returns undefined: the upgrade rolls back, the process keeps its state', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const special = (v: number, codeChange: string) => compileModule('app/sp', `export const sp = { name: 'sp', vsn: ${v}, ${codeChange} };`, String(v));
    await code.load(special(1, ''));
    await node.run(async (ctx: ProcessContext) => {
      const sp = (code.exportsOf('app/sp') as { sp: { name: string; vsn: number } }).sp;
      const pid: Pid = ctx.spawn(async (c) => {
        const me = sys.special(c, sp, { n: 1 });
        for (;;) {
          const msg = await c.receive();
          if (await me.handleSystem(msg)) continue;
          c.send((msg as { from: Pid }).from, { vsn: me.module.vsn, state: me.state });
        }
      });
      await assert.rejects(upgradeModules(ctx, code, [special(2, 'codeChange: (_o: unknown, s: any) => { s.n = 2; },')]), (e: UpgradeError) => e.stage === 'codeChange' && e.module === 'app/sp' && e.pid === pid && /returned undefined instead of the new state/.test(e.message));
      ctx.send(pid, { from: ctx.self() });
      assert.deepEqual(await ctx.receive(), { vsn: 1, state: { n: 1 } });
    });
  });
});
