import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, genServer, genStatem, supervisor, sys, upgradeModules, type CodeServer, type GenEventHandler, type GenServer, type GenStatem, type OtpNode, type Pid, type ProcessContext, type Supervisor } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';
import { editsOrFail } from '../../../test/support/wait.ts';

// Every behaviour goes through an upgrade, a downgrade and a second upgrade of the same module: after each,
// the same process runs the version just installed with its migrated state, and loading again (which purges
// the oldest version) never kills it, because it is counted as running the version it moved to.

const down = { down: '1' };

// Runs up (v1 → v2), down (→ v1) and up again (→ v2), checking the process after each step with `check(vsn)`.
async function upDownUp(node: OtpNode, code: CodeServer, name: string, v1: string, v2: string, pid: Pid, check: (ctx: ProcessContext, vsn: 1 | 2) => Promise<void>): Promise<void> {
  await node.run(async (ctx) => {
    await check(ctx, 1);
    const steps: Array<[string, 1 | 2, boolean]> = [[v2, 2, false], [v1, 1, true], [v2, 2, false]];
    for (const [source, vsn, downgrade] of steps) {
      const report = await upgradeModules(ctx, code, [compileModule(name, source, `${vsn}`)], downgrade ? { downgrade, oldVsn: down } : {});
      assert.ok(report.processes.includes(pid), `the process took part in the ${downgrade ? 'downgrade' : 'upgrade'} to ${vsn}`);
      assert.equal(report.purged, 0, 'no process was left on the purged version');
      assert.ok(ctx.isAlive(pid));
      assert.equal((await sys.getStatus(ctx, pid)).status, 'running');
      await check(ctx, vsn);
    }
  });
}

// The process is recorded on the current version, so a purge of the old one would not touch it.
function runsCurrent(code: CodeServer, name: string, pid: Pid): boolean {
  return code.processesRunning(code.record(name).current!).some((p) => p.pid === pid) && !code.processesRunning(code.record(name).old!).some((p) => p.pid === pid);
}

test('gen_server: up, down and up again on the same module, the state migrated each way', async () => {
  const v1 = `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const counter: GenServer<{ count: number }, 'get', never, unknown, void> = {
  name: 'counter',
  init: () => ok({ count: 7 }),
  handleCall: (_r, _f, s) => reply({ vsn: 1, s }, s),
};`;
  const v2 = `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const counter: GenServer<{ total: number; ups: number }, 'get', never, unknown, void> = {
  name: 'counter',
  init: () => ok({ total: 7, ups: 0 }),
  handleCall: (_r, _f, s) => reply({ vsn: 2, s }, s),
  codeChange: (old: any, s: any) => old?.down ? { count: s.total } : { total: s.count, ups: 1 },
};`;
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/counter', v1, '1'));
    const pid = await node.run((ctx) => genServer.start(ctx, (code.exportsOf('app/counter') as { counter: GenServer<unknown, 'get', never, unknown, void> }).counter, undefined));
    await upDownUp(node, code, 'app/counter', v1, v2, pid, async (ctx, vsn) => {
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), vsn === 1 ? { vsn: 1, s: { count: 7 } } : { vsn: 2, s: { total: 7, ups: 1 } });
      if (code.record('app/counter').old) assert.ok(runsCurrent(code, 'app/counter', pid));
    });
  });
});

test('gen_statem: up, down and up again on the same module, state and data migrated each way', async () => {
  const v1 = `
import { type GenStatem } from '@otp-ts/runtime';
export const door: GenStatem<string, { code: string }, 'get', never, unknown, void> = {
  name: 'door',
  callbackMode: 'handleEvent',
  init: () => ({ type: 'ok', state: 'locked', data: { code: '1234' } }),
  handleEvent: (e, state, data) => e.type === 'call' ? { type: 'keepStateAndData', actions: [{ reply: [e.from, { vsn: 1, state, data }] }] } : { type: 'keepStateAndData' },
};`;
  const v2 = `
import { type GenStatem } from '@otp-ts/runtime';
export const door: GenStatem<string, { codes: string[] }, 'get', never, unknown, void> = {
  name: 'door',
  callbackMode: 'stateFunctions',
  init: () => ({ type: 'ok', state: 'closed', data: { codes: [] } }),
  states: {
    closed: (e, data) => e.type === 'call' ? { type: 'keepStateAndData', actions: [{ reply: [e.from, { vsn: 2, state: 'closed', data }] }] } : { type: 'keepStateAndData' },
  },
  codeChange: (old: any, state: string, data: any) => old?.down ? { state: 'locked', data: { code: data.codes[0] } } : { state: state === 'locked' ? 'closed' : state, data: { codes: [data.code] } },
};`;
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/door', v1, '1'));
    const pid = await node.run((ctx) => genStatem.start(ctx, (code.exportsOf('app/door') as { door: GenStatem<string, unknown, 'get', never, unknown, void> }).door, undefined));
    await upDownUp(node, code, 'app/door', v1, v2, pid, async (ctx, vsn) => {
      assert.deepEqual(await genStatem.call(ctx, pid, 'get'), vsn === 1 ? { vsn: 1, state: 'locked', data: { code: '1234' } } : { vsn: 2, state: 'closed', data: { codes: ['1234'] } });
      if (code.record('app/door').old) assert.ok(runsCurrent(code, 'app/door', pid));
    });
  });
});

test("gen_event: a handler goes up, down and up again on the same module, its state migrated each way, the manager's other handler untouched", async () => {
  const v1 = `
import { type GenEventHandler } from '@otp-ts/runtime';
export const audit: GenEventHandler<{ n: number }, string, 'get', unknown> = {
  name: 'audit',
  init: () => ({ type: 'ok', state: { n: 0 } }),
  handleEvent: (_e, s) => ({ type: 'ok', state: { n: s.n + 1 } }),
  handleCall: (_r, s) => ({ type: 'reply', reply: { vsn: 1, s }, state: s }),
};`;
  const v2 = `
import { type GenEventHandler } from '@otp-ts/runtime';
export const audit: GenEventHandler<{ count: number; v2: true }, string, 'get', unknown> = {
  name: 'audit',
  init: () => ({ type: 'ok', state: { count: 0, v2: true } }),
  handleEvent: (_e, s) => ({ type: 'ok', state: { ...s, count: s.count + 1 } }),
  handleCall: (_r, s) => ({ type: 'reply', reply: { vsn: 2, s }, state: s }),
  codeChange: (old: any, s: any) => old?.down ? { n: s.count } : { count: s.n, v2: true },
};`;
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/audit', v1, '1'));
    const other: GenEventHandler<string[], string, 'get', unknown> = {
      name: 'other',
      init: () => ({ type: 'ok', state: [] }),
      handleEvent: (e, s) => ({ type: 'ok', state: [...s, e] }),
      handleCall: (_r, s) => ({ type: 'reply', reply: s, state: s }),
    };
    const handler = (): GenEventHandler<unknown, string, 'get', unknown> => (code.exportsOf('app/audit') as { audit: GenEventHandler<unknown, string, 'get', unknown> }).audit;
    const pid = await node.run(async (ctx) => {
      const mgr = await genEvent.start<string>(ctx);
      await genEvent.addHandler(ctx, mgr, handler(), undefined);
      await genEvent.addHandler(ctx, mgr, other, undefined);
      await genEvent.syncNotify(ctx, mgr, 'a');
      return mgr;
    });
    let events = 1;
    await upDownUp(node, code, 'app/audit', v1, v2, pid, async (ctx, vsn) => {
      // The handler is addressed through the export table: after each step, that is the version just installed.
      assert.deepEqual(await genEvent.call(ctx, pid, handler(), 'get'), vsn === 1 ? { vsn: 1, s: { n: events } } : { vsn: 2, s: { count: events, v2: true } });
      await genEvent.syncNotify(ctx, pid, 'b');
      events++;
      assert.equal(((await genEvent.call(ctx, pid, other, 'get')) as string[]).length, events, 'the other handler kept its state and got every event');
    });
  });
});

test('supervisor: up, down and up again on the same module, the new init applied each way, its children kept', async () => {
  const sup = (intensity: number, ids: string[]) => `
import { genServer, ok, type GenServer, type Supervisor } from '@otp-ts/runtime';
export const worker: GenServer<null, never, never, never, void> = { name: 'worker', init: () => ok(null) };
export const sup: Supervisor<void> = {
  name: 'sup',
  init: () => ({ flags: { strategy: 'oneForOne', intensity: ${intensity} }, children: ${JSON.stringify(ids)}.map((id) => ({ id, start: (ctx: any) => genServer.startLink(ctx, worker, undefined) })) }),
};`;
  const v1 = sup(1, ['a']);
  const v2 = sup(7, ['a', 'b']);
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/sup', v1, '1'));
    const pid = await node.run((ctx) => supervisor.start(ctx, (code.exportsOf('app/sup') as { sup: Supervisor<void> }).sup, undefined));
    const child = await node.run(async (ctx) => (await supervisor.whichChildren(ctx, pid)).find((c) => c.id === 'a')!.pid);
    await upDownUp(node, code, 'app/sup', v1, v2, pid, async (ctx, vsn) => {
      const state = await sys.getState<{ flags: { intensity: number }; children: Array<{ spec: { id: string } }> }>(ctx, pid);
      assert.equal(state.flags.intensity, vsn === 1 ? 1 : 7);
      assert.equal((await supervisor.whichChildren(ctx, pid)).find((c) => c.id === 'a')!.pid, child, 'its running child was not restarted');
      if (code.record('app/sup').old) assert.ok(runsCurrent(code, 'app/sup', pid));
    });
  });
});

test('a plain process speaking sys (sys.special): up, down and up again on the same module, its state migrated each way', async () => {
  const v1 = `
import { sys, type ProcessContext, type Pid } from '@otp-ts/runtime';
export const worker = {
  name: 'worker',
  handle: (msg: { get: Pid }, s: unknown, ctx: ProcessContext) => { ctx.send(msg.get, { vsn: 1, s }); return s; },
};
export async function loop(ctx: ProcessContext): Promise<void> {
  const me = sys.special(ctx, worker, { n: 3 } as unknown);
  for (;;) {
    const msg = await ctx.receive();
    if (await me.handleSystem(msg)) continue;
    me.state = me.module.handle(msg as { get: Pid }, me.state, ctx);
  }
}`;
  const v2 = editsOrFail(v1, [
    ['{ vsn: 1, s }', '{ vsn: 2, s }'],
    ["name: 'worker',", "name: 'worker',\n  codeChange: (old: any, s: any) => old?.down ? { n: s.total } : { total: s.n, v2: true },"],
  ]);
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/worker', v1, '1'));
    const loop = (code.exportsOf('app/worker') as { loop: (ctx: ProcessContext) => Promise<void> }).loop;
    // Spawned with the module's own function: its label (the special module) decides the version it runs, not that function.
    const pid = await node.run(async (ctx) => ctx.spawn(loop));
    await upDownUp(node, code, 'app/worker', v1, v2, pid, async (ctx, vsn) => {
      ctx.send(pid, { get: ctx.self() });
      assert.deepEqual(await ctx.receive(), vsn === 1 ? { vsn: 1, s: { n: 3 } } : { vsn: 2, s: { total: 3, v2: true } });
      if (code.record('app/worker').old) assert.ok(runsCurrent(code, 'app/worker', pid));
    });
  });
});
