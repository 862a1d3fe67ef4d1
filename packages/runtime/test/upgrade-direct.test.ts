import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, sys, upgradeModules, type GenServer, type GenStatem, type Pid, type UpgradeError } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';
import { editsOrFail } from '../../../test/support/wait.ts';

// A gen_server waiting at rest in its loop is migrated by the upgrading process in the turn that swaps the code,
// without a suspend, changeCode or resume message: what it was waiting for is left as it was.

// `nap` goes to sleep for `ms` (a timeout action, then an info 'timeout' that reports to `owner`) or hibernates.
const napV1 = `
import { ok, reply, noreply, type GenServer, type Pid } from '@otp-ts/runtime';
type S = { owner: Pid; naps: number };
export const nap: GenServer<S, { sleep: number } | 'hibernate' | 'get', never, unknown, Pid> = {
  name: 'nap',
  init: (owner) => ok({ owner, naps: 0 }),
  handleCall: (req, _from, s) => (req === 'get' ? reply({ vsn: 1, s }, s) : req === 'hibernate' ? reply('ok', s, 'hibernate') : reply('ok', s, req.sleep)),
  handleInfo: (msg, s, ctx) => {
    if (msg === 'timeout') ctx.send(s.owner, { woke: 1, s });
    return noreply({ ...s, naps: s.naps + 1 });
  },
};`;
const napV2 = editsOrFail(napV1, [
  ["woke: 1", 'woke: 2'],
  ['{ vsn: 1, s }', '{ vsn: 2, s }'],
  ["  handleInfo:", "  codeChange: (_o: unknown, s: any) => ({ ...s, migrated: true }),\n  handleInfo:"],
]);

type Nap = { nap: GenServer<unknown, { sleep: number } | 'hibernate' | 'get', never, unknown, Pid> };

test('a server waiting out a timeout when the upgrade comes gets its timeout afterwards, handled by the new code with the migrated state', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/nap', napV1, '1'));
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, (code.exportsOf('app/nap') as Nap).nap, ctx.self());
      const next = compileModule('app/nap', napV2, '2');
      // Long enough that the upgrade, which follows at once, comes first even on a loaded machine.
      await genServer.call(ctx, pid, { sleep: 5000 });
      const report = await upgradeModules(ctx, code, [next]);
      assert.deepEqual(report.processes, [pid]);
      const woke = await ctx.receive((m): m is { woke: number; s: unknown } => typeof m === 'object' && m !== null && 'woke' in m, 30_000);
      assert.deepEqual(woke, { woke: 2, s: { owner: ctx.self(), naps: 0, migrated: true } }, 'the timeout fired after the upgrade, in version 2');
    });
  });
});

test('a hibernating server stays hibernated through an upgrade, and answers its next call on the new code with the migrated state', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/nap', napV1, '1'));
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, (code.exportsOf('app/nap') as Nap).nap, ctx.self());
      await genServer.call(ctx, pid, 'hibernate');
      assert.equal(ctx.processInfo(pid)?.currentFunction, 'erlang.hibernate');
      await upgradeModules(ctx, code, [compileModule('app/nap', napV2, '2')]);
      assert.equal(ctx.processInfo(pid)?.currentFunction, 'erlang.hibernate', 'still hibernated: the upgrade did not wake it');
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), { vsn: 2, s: { owner: ctx.self(), naps: 0, migrated: true } });
    });
  });
});

// A gen_statem is migrated in its own process: upgraded with it, an idle gen_server is held by a suspend it reads
// before anything else, and its directly computed state is applied only if every codeChange succeeded.
const doorV1 = `
import { type GenStatem } from '@otp-ts/runtime';
export const door: GenStatem<string, { code: string }, 'get', never, unknown, void> = {
  name: 'door',
  callbackMode: 'handleEvent',
  init: () => ({ type: 'ok', state: 'locked', data: { code: '1234' } }),
  handleEvent: (e, state, data) => e.type === 'call' ? { type: 'keepStateAndData', actions: [{ reply: [e.from, { vsn: 1, state, data }] }] } : { type: 'keepStateAndData' },
};`;
const doorV2 = (codeChange: string) => editsOrFail(doorV1, [
  ['vsn: 1', 'vsn: 2'],
  ["  handleEvent:", `  codeChange: ${codeChange},\n  handleEvent:`],
]);

test('upgraded together with a gen_statem whose codeChange throws, an idle gen_server keeps its code and state; when it succeeds, both migrate', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/nap', napV1, '1'));
    await code.load(compileModule('app/door', doorV1, '1'));
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, (code.exportsOf('app/nap') as Nap).nap, ctx.self());
      const door = await genStatem.start(ctx, (code.exportsOf('app/door') as { door: GenStatem<string, unknown, 'get', never, unknown, void> }).door, undefined);
      const failing = doorV2("() => { throw new Error('door stuck'); }");
      await assert.rejects(upgradeModules(ctx, code, [compileModule('app/nap', napV2, '2'), compileModule('app/door', failing, '2')]), (e: UpgradeError) => {
        assert.equal(e.stage, 'codeChange');
        assert.equal(e.pid, door);
        return /door stuck/.test(e.message);
      });
      assert.equal(code.versions('app/nap').current, '1');
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { vsn: 1, s: { owner: ctx.self(), naps: 0 } }, 'the old code, the old state');
      assert.equal((await sys.getStatus(ctx, srv)).status, 'running', 'resumed');
      const report = await upgradeModules(ctx, code, [compileModule('app/nap', napV2, '2'), compileModule('app/door', doorV2('(_o: unknown, state: string, data: any) => ({ state, data: { code: data.code + "!" } })'), '2')]);
      assert.deepEqual(new Set(report.processes), new Set([srv, door]));
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { vsn: 2, s: { owner: ctx.self(), naps: 0, migrated: true } });
      assert.deepEqual(await genStatem.call(ctx, door, 'get'), { vsn: 2, state: 'locked', data: { code: '1234!' } });
      assert.equal((await sys.getStatus(ctx, srv)).status, 'running');
    });
  });
});
