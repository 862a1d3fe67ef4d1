// OTP's undef_code_change cases (gen_server_SUITE, gen_statem_SUITE): sys:change_code of a process whose callback
// module exports no code_change answers {error, {'EXIT', {undef, …}}} and the process goes on, unchanged. An upgrade
// of such a module keeps its state instead (a release's soft update), which release-install-soft.test.ts walks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, sys, ok, reply, type GenServer, type GenStatem, RuntimeError } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const WAIT = 20_000;

const counter: GenServer<number, 'get' | 'bump', never, number, null> = {
  name: 'oc_server',
  init: () => ok(1),
  handleCall: (req, _from, n) => (req === 'get' ? reply(n, n) : reply(n + 1, n + 1)),
};

test('gen_server_SUITE undef_code_change: sys.changeCode of a module without codeChange fails with undef; the server goes on, its module and state unchanged', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, counter, null);
      await genServer.call(ctx, srv, 'bump', WAIT);
      const newer = { ...counter, handleCall: () => reply(-1, -1) };
      await sys.suspend(ctx, srv);
      await assert.rejects(sys.changeCode(ctx, srv, newer, '1'), (e: unknown) => e instanceof RuntimeError && e.code === 'undef' && /oc_server has no codeChange/.test(e.message) && /nothing was changed/.test(e.message));
      // Its own module, as OTP's fake_upgrade(Server, ?MODULE) names the one running: the same answer.
      await assert.rejects(sys.changeCode(ctx, srv, undefined, '1'), (e: unknown) => e instanceof RuntimeError && e.code === 'undef');
      await sys.resume(ctx, srv);
      assert.equal(await genServer.call(ctx, srv, 'get', WAIT), 2, 'the old module still answers, with the state it had');
      assert.equal(ctx.isAlive(srv), true);
    }),
  );
});

test('gen_server_SUITE undef_code_change: a module with codeChange migrates through it as before', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, counter, null);
      const newer = { ...counter, codeChange: (_old: unknown, n: number) => n * 10 };
      await sys.suspend(ctx, srv);
      await sys.changeCode(ctx, srv, newer, '1');
      await sys.resume(ctx, srv);
      assert.equal(await genServer.call(ctx, srv, 'get', WAIT), 10);
    }),
  );
});

const statem = genStatem;
type M = GenStatem<'idle', number, 'get', never, number, null>;
const machine: M = {
  name: 'oc_statem',
  callbackMode: () => 'handleEvent',
  init: () => statem.ok('idle', 7),
  handleEvent: (event, _state, data) => (event.type === 'call' ? statem.keepStateAndData([statem.reply(event.from, data)]) : statem.keepStateAndData()),
};

test('gen_statem_SUITE undef_code_change: sys.changeCode of a machine without codeChange fails with undef; it goes on with its data', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, machine, null);
      await sys.suspend(ctx, pid);
      await assert.rejects(sys.changeCode(ctx, pid, { ...machine, init: () => statem.ok('idle', 0) }, '1'), (e: unknown) => e instanceof RuntimeError && e.code === 'undef' && /oc_statem has no codeChange/.test(e.message));
      await sys.resume(ctx, pid);
      assert.equal(await genStatem.call(ctx, pid, 'get', WAIT), 7);
    }),
  );
});
