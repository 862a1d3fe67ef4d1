import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, supervisor, upgradeModules, TIMEOUT, type GenServer, type GenStatem, type Pid, type ProcessContext, type UpgradeError } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';
import { waitFor, editsOrFail } from '../../../test/support/wait.ts';

// A behaviour's pending timeout, hibernation and gen_statem timers are part of its loop, not of its callback
// module: an upgrade that migrates the state leaves them as they were (OTP's code_change keeps the loop's
// timeout). The cases where the upgrade finds the process busy in a callback, so that it is suspended by a sys
// message queued behind the callback, are the ones that used to lose them.

// `work` keeps the server busy in its callback until it receives 'go', then returns the action asked for;
// its 'timeout' info reports to `owner`, naming the code version that handled it.
const workerV1 = `
import { ok, reply, noreply, type GenServer, type Pid } from '@otp-ts/runtime';
type S = { owner: Pid; n: number };
export const worker: GenServer<S, 'get', { work: number | 'hibernate' }, unknown, Pid> = {
  name: 'worker',
  init: (owner) => ok({ owner, n: 0 }),
  handleCall: (_req, _from, s) => reply({ vsn: 1, s }, s),
  handleCast: async (req, s, ctx) => {
    await ctx.receive((m) => m === 'go');
    return noreply({ ...s, n: s.n + 1 }, req.work);
  },
  handleInfo: (msg, s, ctx) => {
    if (msg === 'timeout') ctx.send(s.owner, { woke: 1, s });
    return noreply(s);
  },
};`;
const workerV2 = editsOrFail(workerV1, [
  ['woke: 1', 'woke: 2'],
  ['{ vsn: 1, s }', '{ vsn: 2, s }'],
  ['  handleInfo:', '  codeChange: (_o: unknown, s: any) => ({ ...s, migrated: true }),\n  handleInfo:'],
]);

type Worker = { worker: GenServer<unknown, 'get', { work: number | 'hibernate' }, unknown, Pid> };

// Starts the upgrade while `pid` is busy in a callback and lets the callback finish only once the upgrade's
// suspend waits in its mailbox: the callback's result is applied with the suspend already queued.
async function upgradeWhileBusy(ctx: ProcessContext, pid: Pid, upgrade: () => Promise<unknown>): Promise<void> {
  let failed: unknown;
  const done = upgrade().catch((e: unknown) => {
    failed = e;
  });
  await waitFor('the upgrade suspend queued behind the busy callback', () => (ctx.processInfo(pid)?.messageQueueLen ?? 0) > 0 || failed !== undefined);
  ctx.send(pid, 'go');
  await done;
  if (failed !== undefined) throw failed;
}

const isWoke = (m: unknown): m is { woke: number; s: unknown } => typeof m === 'object' && m !== null && 'woke' in m;

test('a gen_server busy in a callback when an upgrade comes keeps the timeout that callback returned: it fires after the upgrade, in the new code', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/upt_worker', workerV1, '1'));
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, (code.exportsOf('app/upt_worker') as Worker).worker, ctx.self());
      genServer.cast(ctx, pid, { work: 50 });
      await upgradeWhileBusy(ctx, pid, () => upgradeModules(ctx, code, [compileModule('app/upt_worker', workerV2, '2')], { timeoutMs: 30_000 }));
      const woke = await ctx.receive(isWoke, 30_000);
      assert.deepEqual(woke, { woke: 2, s: { owner: ctx.self(), n: 1, migrated: true } }, 'the timeout fired after the upgrade, handled by version 2');
    });
  });
});

test('a gen_server busy in a callback that returns hibernate when an upgrade comes is hibernated again after it', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/upt_worker', workerV1, '1'));
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, (code.exportsOf('app/upt_worker') as Worker).worker, ctx.self());
      genServer.cast(ctx, pid, { work: 'hibernate' });
      await upgradeWhileBusy(ctx, pid, () => upgradeModules(ctx, code, [compileModule('app/upt_worker', workerV2, '2')], { timeoutMs: 30_000 }));
      await waitFor('the server waiting again after the upgrade', () => ctx.processInfo(pid)?.status === 'waiting' && ctx.processInfo(pid)?.messageQueueLen === 0);
      assert.equal(ctx.processInfo(pid)?.currentFunction, 'erlang.hibernate', 'hibernated, as its last callback asked');
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), { vsn: 2, s: { owner: ctx.self(), n: 1, migrated: true } });
    });
  });
});

test('an idle gen_server migrated directly keeps its pending timeout, and a hibernated one stays hibernated', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/upt_worker', workerV1, '1'));
    await node.run(async (ctx) => {
      const mod = (code.exportsOf('app/upt_worker') as Worker).worker;
      const timed = await genServer.start(ctx, mod, ctx.self());
      const sleeper = await genServer.start(ctx, mod, ctx.self());
      genServer.cast(ctx, timed, { work: 3000 });
      ctx.send(timed, 'go');
      genServer.cast(ctx, sleeper, { work: 'hibernate' });
      ctx.send(sleeper, 'go');
      await waitFor('both servers at rest', () => ctx.processInfo(timed)?.messageQueueLen === 0 && ctx.processInfo(sleeper)?.currentFunction === 'erlang.hibernate' && ctx.processInfo(timed)?.currentFunction === 'gen_server.loop');
      await upgradeModules(ctx, code, [compileModule('app/upt_worker', workerV2, '2')]);
      assert.equal(ctx.processInfo(sleeper)?.currentFunction, 'erlang.hibernate', 'still hibernated');
      const woke = await ctx.receive(isWoke, 30_000);
      assert.deepEqual(woke, { woke: 2, s: { owner: ctx.self(), n: 1, migrated: true } });
    });
  });
});

// A gen_statem busy in a state callback (until 'go') that sets an event, a state and a generic timeout; each
// fired timeout is reported to the owner with the version that handled it.
const clockV1 = `
import { type GenStatem, type Pid } from '@otp-ts/runtime';
type D = { owner: Pid; migrated?: boolean };
export const clock: GenStatem<string, D, never, 'arm', unknown, Pid> = {
  name: 'clock',
  callbackMode: 'handleEvent',
  init: (owner) => ({ type: 'ok', state: 'idle', data: { owner } }),
  handleEvent: async (e, _state, data, ctx) => {
    if (e.type === 'cast') {
      await ctx.receive((m) => m === 'go');
      return { type: 'nextState', state: 'armed', data, actions: [{ timeout: 60, content: 'ev' }, { stateTimeout: 80, content: 'st' }, { genericTimeout: 'g', ms: 100, content: 'gen' }] };
    }
    if (e.type === 'timeout' || e.type === 'stateTimeout' || e.type === 'genericTimeout') ctx.send(data.owner, { fired: e.type, vsn: 1, migrated: data.migrated === true });
    return { type: 'keepStateAndData' };
  },
};`;
const clockV2 = editsOrFail(clockV1, [
  ['vsn: 1', 'vsn: 2'],
  ['  handleEvent:', '  codeChange: (_o: unknown, state: string, data: any) => ({ state, data: { ...data, migrated: true } }),\n  handleEvent:'],
]);

test('a gen_statem busy in a callback when an upgrade comes keeps the event, state and generic timeouts it set: all fire after the upgrade, in the new code', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/upt_clock', clockV1, '1'));
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, (code.exportsOf('app/upt_clock') as { clock: GenStatem<string, unknown, never, 'arm', unknown, Pid> }).clock, ctx.self());
      genStatem.cast(ctx, pid, 'arm');
      await upgradeWhileBusy(ctx, pid, () => upgradeModules(ctx, code, [compileModule('app/upt_clock', clockV2, '2')], { timeoutMs: 30_000 }));
      const fired = new Set<string>();
      while (fired.size < 3) {
        const m = await ctx.receive((x): x is { fired: string; vsn: number; migrated: boolean } => typeof x === 'object' && x !== null && 'fired' in x, 30_000);
        assert.notEqual(m, TIMEOUT, 'every timeout fired');
        if (m === TIMEOUT) break;
        assert.deepEqual({ vsn: m.vsn, migrated: m.migrated }, { vsn: 2, migrated: true }, `${m.fired} handled by version 2`);
        fired.add(m.fired);
      }
      assert.deepEqual([...fired].sort(), ['genericTimeout', 'stateTimeout', 'timeout']);
    });
  });
});

// A door whose version 2's codeChange returns a promise that never settles.
const doorV1 = `
import { type GenStatem } from '@otp-ts/runtime';
export const door: GenStatem<string, { n: number }, 'get', never, unknown, void> = {
  name: 'door',
  callbackMode: 'handleEvent',
  init: () => ({ type: 'ok', state: 'locked', data: { n: 1 } }),
  handleEvent: (e, state) => (e.type === 'call' ? { type: 'keepStateAndData', actions: [{ reply: [e.from, [state, 1]] }] } : { type: 'keepStateAndData' }),
};`;
const doorV2 = editsOrFail(doorV1, [
  ['[state, 1]', '[state, 2]'],
  ['  handleEvent:', '  codeChange: () => new Promise(() => undefined),\n  handleEvent:'],
]);

test('a process whose codeChange never settles does not stay hung after the rollback: it is killed, the error says so, and its supervisor restarts it on the old code', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/upt_door', doorV1, '1'));
    const door = () => (code.exportsOf('app/upt_door') as { door: GenStatem<string, unknown, 'get', never, unknown, void> }).door;
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, { init: () => ({ type: 'ok', flags: { strategy: 'oneForOne', intensity: 5, period: 5 }, children: [{ id: 'door', start: (c: ProcessContext) => genStatem.startLink(c, door(), undefined, { name: 'upt_door' }) }] }) }, undefined);
      const before = ctx.whereis('upt_door')!;
      await assert.rejects(upgradeModules(ctx, code, [compileModule('app/upt_door', doorV2, '2')], { timeoutMs: 300 }), (e: UpgradeError) => {
        assert.equal(e.stage, 'codeChange');
        assert.match(e.message, /^upgrade rolled back: codeChange of app\/upt_door in <[\d.]+> did not finish within 300 ms, the time an upgrade waits for each \(a promise it returned that never settles, or work that long\): make it return sooner, or give upgradeModules a longer timeoutMs; /);
        assert.match(e.message, new RegExp(`; ${before.toString().replace(/[<>.]/g, '\\$&')} answered neither its codeChange nor the rollback within 300 ms and was killed \\(its supervisor restarts it on the old code\\)$`));
        return true;
      });
      const after = await waitFor('the door restarted', () => { const p = ctx.whereis('upt_door'); return p !== undefined && p !== before ? p : undefined; });
      assert.deepEqual(await genStatem.call(ctx, after, 'get', 2000), ['locked', 1], 'the restarted door serves on the old code');
      await genServer.stop(ctx, sup);
    });
  });
});
