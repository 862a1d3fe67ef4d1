import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runtime from '@otp-ts/runtime';
import type { UpgradeError } from '@otp-ts/runtime';
import { genServer, type Pid } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';
import { isDeepStrictEqual } from 'node:util';
import { waitFor } from '../../../test/support/wait.ts';

// Upgrades of many processes go out in batches: every suspend is sent before any answer is awaited,
// then every codeChange. These tests hold the batches to the sequential upgrade's semantics.

const compile = compileModule;
const codeOf = codeServerFor;

// Version 1 holds { id }; `get` answers the state and the version.
const v1 = `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const worker: GenServer<{ id: number }, 'get', never, unknown, number> = {
  name: 'worker',
  init: (id) => ok({ id }),
  handleCall: (_req, _from, s) => reply({ vsn: 1, state: s }, s),
};`;

// Version 2 holds { id, tags }; its codeChange runs `body` first (a failure, a delay).
const v2 = (body: string) => `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const worker: GenServer<{ id: number; tags: string[] }, 'get', never, unknown, number> = {
  name: 'worker',
  init: (id) => ok({ id, tags: [] }),
  handleCall: (_req, _from, s) => reply({ vsn: 2, state: s }, s),
  codeChange: async (_old, s: { id: number }) => { ${body}; return { id: s.id, tags: ['migrated'] }; },
};`;

async function startWorkers(ctx: runtime.ProcessContext, code: runtime.CodeServer, n: number): Promise<Pid[]> {
  const mod = (code.exportsOf('app/worker') as { worker: runtime.GenServer<unknown, string, never, unknown, number> }).worker;
  const pids: Pid[] = [];
  for (let i = 0; i < n; i++) pids.push(await genServer.start(ctx, mod, i));
  return pids;
}

async function statesOf(ctx: runtime.ProcessContext, pids: Pid[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const pid of pids) out.push(await genServer.call(ctx, pid, 'get' as never));
  return out;
}

test('upgrade of 1,000 servers with one failing codeChange in the middle: every code and state is restored, every server resumes', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.load(compile('app/worker', v1, '1'));
    await node.run(async (ctx) => {
      const pids = await startWorkers(ctx, code, 1000);
      const failing = pids[500]!;
      // A call sent to a server while it is suspended waits in its mailbox and is answered once, by the old code.
      const inFlight = node.run((c) => genServer.call(c, pids[999]!, 'get' as never));
      await assert.rejects(
        runtime.upgradeModules(ctx, code, [compile('app/worker', v2("if (s.id === 500) throw new Error('cannot migrate 500')"), '2')]),
        (e: UpgradeError) => e.stage === 'codeChange' && e.pid === failing && /cannot migrate 500/.test(e.message),
      );
      assert.equal(code.versions('app/worker').current, '1', 'the old code is current again');
      const states = await statesOf(ctx, pids);
      assert.deepEqual(states, pids.map((_, id) => ({ vsn: 1, state: { id } })), 'every state and callback module is the one before the upgrade');
      assert.deepEqual(await inFlight, { vsn: 1, state: { id: 999 } });
    });
  });
});

test('upgrade: a process whose codeChange answers after the timeout is restored too, once its codeChange has run', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.load(compile('app/worker', v1, '1'));
    await node.run(async (ctx) => {
      const pids = await startWorkers(ctx, code, 20);
      const slow = v2('if (s.id === 7) await new Promise((r) => setTimeout(r, 150))');
      await assert.rejects(runtime.upgradeModules(ctx, code, [compile('app/worker', slow, '2')], { timeoutMs: 50 }), (e: UpgradeError) => e.stage === 'codeChange' && e.pid === pids[7] && /did not finish within 50 ms/.test(e.message));
      // Restored once its late codeChange has run: wait for that, not for a fixed time.
      const restored = pids.map((_, id) => ({ vsn: 1, state: { id } }));
      await waitFor('the late migration is undone', async () => isDeepStrictEqual(await statesOf(ctx, pids), restored)).catch(() => undefined);
      assert.deepEqual(await statesOf(ctx, pids), restored, 'the late migration was undone as well');
    });
  });
});

test('upgrade: codeChanges run side by side, not one round trip after another', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.load(compile('app/worker', v1, '1'));
    await node.run(async (ctx) => {
      const pids = await startWorkers(ctx, code, 200);
      // Each codeChange counts the codeChanges running beside it (a global the test reads), instead of timing the batch:
      // one after another, at most one would ever run.
      const seen = ((globalThis as { codeChangesSeen?: { now: number; max: number } }).codeChangesSeen = { now: 0, max: 0 });
      const counted = 'const c = (globalThis as any).codeChangesSeen; c.now++; c.max = Math.max(c.max, c.now); await new Promise((r) => setTimeout(r, 20)); c.now--';
      const report = await runtime.upgradeModules(ctx, code, [compile('app/worker', v2(counted), '2')]);
      assert.equal(report.processes.length, 200);
      assert.ok(seen.max > 1, `at most ${seen.max} codeChange ran at a time`);
      assert.deepEqual(await statesOf(ctx, pids), pids.map((_, id) => ({ vsn: 2, state: { id, tags: ['migrated'] } })));
    });
  });
});

// Version 1 whose `block` cast keeps the server busy (deaf to system messages) until it receives 'release'.
const blocking = `
import { ok, reply, noreply, type GenServer } from '@otp-ts/runtime';
export const worker: GenServer<{ id: number }, 'get', 'block', unknown, number> = {
  name: 'worker',
  init: (id) => ok({ id }),
  handleCall: (_req, _from, s) => reply({ vsn: 1, state: s }, s),
  handleCast: async (_req, s, ctx) => {
    await ctx.receive((m) => m === 'release');
    return noreply(s);
  },
};`;

test('upgrade of more servers than a batch keeps in flight, with a full window of them busy: one timeout fails it, and every server, asked or not, is resumed on the old code', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.load(compile('app/worker', blocking, '1'));
    await node.run(async (ctx) => {
      // 300 servers, at most 256 suspends in flight: the first 10 answer, then 256 busy ones fill the
      // window, so the last 34 are never asked before the timeout ends the batch.
      const pids = await startWorkers(ctx, code, 300);
      for (const pid of pids.slice(10, 266)) genServer.cast(ctx, pid, 'block' as never);
      // The batch ends at the first server that does not answer in time: one of the busy ones, named in the error.
      await assert.rejects(runtime.upgradeModules(ctx, code, [compile('app/worker', v2(''), '2')], { timeoutMs: 50 }), (e: UpgradeError) => e.stage === 'suspend' && pids.slice(10, 266).some((p) => String(p) === String(e.pid)));
      assert.equal(code.versions('app/worker').current, '1');
      for (const pid of pids.slice(10, 266)) ctx.send(pid, 'release');
      assert.deepEqual(await statesOf(ctx, pids), pids.map((_, id) => ({ vsn: 1, state: { id } })), 'every server answers, on the old code');
    });
  });
});
