import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runtime from '@otp-ts/runtime';
import type { UpgradeError } from '@otp-ts/runtime';
import { genServer, type Pid } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

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
      await assert.rejects(runtime.upgradeModules(ctx, code, [compile('app/worker', slow, '2')], { timeoutMs: 50 }), (e: UpgradeError) => e.stage === 'codeChange' && e.pid === pids[7] && /timed out/.test(e.message));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await statesOf(ctx, pids), pids.map((_, id) => ({ vsn: 1, state: { id } })), 'the late migration was undone as well');
    });
  });
});

test('upgrade: codeChanges run side by side, not one round trip after another', async () => {
  await withNode(async (node) => {
    const code = codeOf(node);
    await code.load(compile('app/worker', v1, '1'));
    await node.run(async (ctx) => {
      const pids = await startWorkers(ctx, code, 200);
      const started = performance.now();
      // Each codeChange waits 20 ms: one after another that is 4 s; in one batch, about 20 ms.
      const report = await runtime.upgradeModules(ctx, code, [compile('app/worker', v2('await new Promise((r) => setTimeout(r, 20))'), '2')]);
      const took = performance.now() - started;
      assert.equal(report.processes.length, 200);
      assert.ok(took < 1500, `took ${took.toFixed(0)} ms`);
      assert.ok(report.suspendedMs <= took);
      assert.deepEqual(await statesOf(ctx, pids), pids.map((_, id) => ({ vsn: 2, state: { id, tags: ['migrated'] } })));
    });
  });
});

test('a batch call to more processes than it keeps in flight: the silent ones and the ones never asked both time out, the others answer', async () => {
  const { genMultiCall } = await import('../src/gen/call.ts');
  const { ReplyMessage } = await import('../src/gen/messages.ts');
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      // 300 processes, at most 256 asked at once: the first 10 answer, which lets 10 more be asked; those
      // and the other 246 of the window stay silent, so the last 34 are never asked.
      const pids: Pid[] = Array.from({ length: 300 }, (_, i) =>
        ctx.spawn(async (p) => {
          const { from } = (await p.receive()) as { from: { pid: Pid; tag: runtime.Ref } };
          if (i < 10) p.send(from.pid, new ReplyMessage(from.tag, 'pong'));
          await p.receive();
        }),
      );
      const started = performance.now();
      const answers = await genMultiCall(ctx, pids, (from) => ({ from }), 'ping', 50);
      assert.ok(performance.now() - started < 2000, 'the batch ends after one timeout, not one per process');
      assert.deepEqual(answers.slice(0, 10).map((a) => a.ok && a.value), Array(10).fill('pong'));
      assert.ok(answers.slice(10).every((a) => !a.ok && (a.error as runtime.CallError).failure === 'timeout'), 'the silent and the never-asked time out');
      assert.equal(answers.length, 300);
      for (const p of pids) ctx.exit(p, 'kill');
    });
  });
});
