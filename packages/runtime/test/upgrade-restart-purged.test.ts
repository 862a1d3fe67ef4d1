import { test } from 'node:test';
import assert from 'node:assert/strict';
import { supervisor, genServer, genEvent, TIMEOUT, type GenEventHandler, type GenServer, type Pid, type ProcessContext, type ChildSpec, type LogEvent } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor, quietLogs } from './helpers.ts';

// OTP names a child's start by module ({M, F, A}): a child restarted after its code was upgraded and purged runs the
// current code. A child spec holding a closure of a purged version cannot: its restart fails, naming the child and the
// fix, instead of running the purged code again (out of reach of every later purge).

const worker = (n: number): string => `
import type { ProcessContext } from '@otp-ts/runtime';
import { genServer, ok, reply, supervisor } from '@otp-ts/runtime';
async function loop(ctx: ProcessContext): Promise<void> { for (;;) { const m = await ctx.receive() as { from: any }; ctx.send(m.from, ${n}); } }
export function start(ctx: ProcessContext) { return ctx.spawnLink((c) => loop(c)); }
export function spec(id: string) { return { id, start: (ctx: ProcessContext) => ctx.spawnLink((c) => loop(c)) }; }
export function startSup(ctx: ProcessContext) {
  return supervisor.startLink(ctx, { init: () => ({ flags: { intensity: 10, period: 5 }, children: [{ id: 'inline', start: (c: ProcessContext) => c.spawnLink((x) => loop(x)) }] }) }, undefined);
}
export function makeHandler() { return { init: () => ok(${n}), handleEvent: (_e: unknown, s: number) => ok(s), handleCall: (_r: unknown, s: number) => reply(s, s) }; }
export function makeServer() { return { init: () => ok(${n}), handleCall: (_r: unknown, _f: unknown, s: number) => reply(s, s) }; }`;

type Worker = { makeHandler: () => GenEventHandler<number, unknown, unknown, number>; startSup: (ctx: ProcessContext) => Promise<Pid>; start: (ctx: ProcessContext) => Pid; spec: (id: string) => ChildSpec; makeServer: () => GenServer<number, unknown, never, number> };

async function versionOf(ctx: ProcessContext, pid: Pid): Promise<unknown> {
  ctx.send(pid, { from: ctx.self() });
  return ctx.receive(null, 5000);
}

async function childPid(ctx: ProcessContext, sup: Pid, id: string, not: Pid | undefined): Promise<Pid> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const c = (await supervisor.whichChildren(ctx, sup)).find((x) => x.id === id);
    if (c && typeof c.pid === 'object' && c.pid !== not && ctx.isAlive(c.pid)) return c.pid;
    await ctx.receive(null, 5);
  }
  throw new Error(`child ${id} did not come back`);
}

async function startErrorOf(logs: LogEvent[], id: string): Promise<unknown> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const r = logs.map((e) => e.message as { errorContext?: string; offender?: { id?: string }; reason?: unknown }).find((d) => d?.errorContext === 'startError' && d.offender?.id === id);
    if (r) return r.reason;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`no startError for ${id}`);
}

test('a child whose spec names an export restarts on the current code after its version was purged', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/rp_w', worker(1), '1'));
    await node.run(async (ctx) => {
      const w = code.exportsOf('app/rp_w') as Worker;
      const sup = await supervisor.startLink(ctx, { init: () => ({ flags: { intensity: 10, period: 5 }, children: [{ id: 'export', start: w.start }] }) }, undefined);
      const first = await childPid(ctx, sup, 'export', undefined);
      assert.equal(await versionOf(ctx, first), 1);
      await code.load(compileModule('app/rp_w', worker(2), '2'));
      await code.load(compileModule('app/rp_w', worker(3), '3'));
      const again = await childPid(ctx, sup, 'export', first);
      assert.equal(await versionOf(ctx, again), 3, 'the restart runs the current version');
    });
  });
});

test('a child whose spec holds a closure of a purged version is not restarted on that code: the restart fails naming the child', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const logs = quietLogs(node);
    await code.load(compileModule('app/rp_c', worker(1), '1'));
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const w = code.exportsOf('app/rp_c') as Worker;
      const sup = await supervisor.startLink(ctx, { init: () => ({ flags: { intensity: 3, period: 5 }, children: [w.spec('closure')] }) }, undefined);
      const first = await childPid(ctx, sup, 'closure', undefined);
      assert.equal(await versionOf(ctx, first), 1);
      await code.load(compileModule('app/rp_c', worker(2), '2'));
      await code.load(compileModule('app/rp_c', worker(3), '3'));
      assert.equal(ctx.isAlive(first), false, 'the purge killed the version 1 worker');
      const reason = await startErrorOf(logs, 'closure');
      assert.match(String((reason as Error).message), /child 'closure'.*app\/rp_c \(version 1\).*purged.*export/);
      // Whatever the supervisor does next (retry, give up), no process answers with version 1's code.
      const kids = ctx.isAlive(sup) ? await supervisor.whichChildren(ctx, sup).catch(() => []) : [];
      for (const k of kids) if (typeof k.pid === 'object' && ctx.isAlive(k.pid)) assert.notEqual(await versionOf(ctx, k.pid), 1);
    });
  });
});

test('a gen_server restarted with callbacks a purged version made fails to start, naming the version', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const logs = quietLogs(node);
    await code.load(compileModule('app/rp_f', worker(1), '1'));
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const w = code.exportsOf('app/rp_f') as Worker;
      const callbacks = w.makeServer();
      const sup = await supervisor.startLink(ctx, { init: () => ({ flags: { intensity: 3, period: 5 }, children: [{ id: 'made', start: (c: ProcessContext) => genServer.startLink(c, callbacks, undefined) }] }) }, undefined);
      const first = await childPid(ctx, sup, 'made', undefined);
      assert.equal(await genServer.call(ctx, first, 'v'), 1);
      await code.load(compileModule('app/rp_f', worker(2), '2'));
      await code.load(compileModule('app/rp_f', worker(3), '3'));
      assert.equal(ctx.isAlive(first), false, 'the purge killed the server running version 1 callbacks');
      const reason = await startErrorOf(logs, 'made');
      assert.match(String((reason as Error)?.message ?? reason), /app\/rp_f \(version 1\).*purged/);
      const kids = ctx.isAlive(sup) ? await supervisor.whichChildren(ctx, sup).catch(() => []) : [];
      for (const k of kids) if (typeof k.pid === 'object' && ctx.isAlive(k.pid)) assert.notEqual(await genServer.call(ctx, k.pid, 'v', 1000).catch(() => TIMEOUT), 1);
    });
  });
});

test('a supervisor made inline by a purged version (left alive, as stranded) still restarts its children, as it did', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/rp_i', worker(1), '1'));
    await node.run(async (ctx) => {
      const sup = await (code.exportsOf('app/rp_i') as Worker).startSup(ctx);
      const first = await childPid(ctx, sup, 'inline', undefined);
      await code.load(compileModule('app/rp_i', worker(2), '2'));
      await code.load(compileModule('app/rp_i', worker(3), '3'));
      assert.equal(ctx.isAlive(sup), true, 'the purge leaves the inline supervisor alive');
      const again = await childPid(ctx, sup, 'inline', first);
      assert.equal(await versionOf(ctx, again), 1, 'its child runs the code the supervisor itself runs');
    });
  });
});

test('a gen_event handler a purged version made, removed by the purge, is refused when added again; the manager lives', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/rp_h', worker(1), '1'));
    await node.run(async (ctx) => {
      const handler = (code.exportsOf('app/rp_h') as Worker).makeHandler();
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, handler, undefined);
      assert.equal(await genEvent.call(ctx, mgr, handler, 'v'), 1);
      await code.load(compileModule('app/rp_h', worker(2), '2'));
      await code.load(compileModule('app/rp_h', worker(3), '3'));
      for (const deadline = Date.now() + 5000; (await genEvent.whichHandlers(ctx, mgr)).length > 0 && Date.now() < deadline; ) await ctx.receive(null, 5);
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), [], 'the purge removed the handler');
      await assert.rejects(genEvent.addHandler(ctx, mgr, handler, undefined), /app\/rp_h \(version 1\).*purged/);
      assert.equal(ctx.isAlive(mgr), true);
    });
  });
});
