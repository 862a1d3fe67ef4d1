// Upgrades as an adversary runs them: rich states (class instances, Maps, Sets, Dates, cycles, getters) under a
// continuous call load, codeChanges that mutate in place and then throw, async codeChanges, modules importing each
// other through `import * as`, a gen_statem and a gen_event handler in one batch, a supervisor whose child specs
// change with its child module: no call is lost, and a rollback gives back exactly the state from before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, genEvent, supervisor, upgradeModules, type ProcessContext, type CodeServer } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor, ended } from './helpers.ts';

// What the servers below answer (the counts read as numbers; the other fields are compared whole).
type Reply = { [field: string]: number; n: number; count: number; seen: number; log: number };
// A module's export, as the callbacks a start takes (whatever their types).
const exported = (code: CodeServer, module: string, name: string): never => (code.exportsOf(module) as Record<string, never>)[name]!;

const srv = (v: number, change: string) => compileModule('a/srv', `
import { ok, reply, noreply } from '@otp-ts/runtime';
import * as kinds from './kinds';
export class Bag { items: string[] = []; get size() { return this.items.length; } add(x: string) { this.items.push(x); } }
export const srv = {
  init: () => {
    const s: any = { n: 0, bag: new Bag(), m: new Map([['k', new Set([1, 2])]]), d: new Date(0), kind: kinds.kind() };
    s.self = s;
    Object.defineProperty(s, 'double', { get() { return this.n * 2; }, enumerable: true, configurable: true });
    return ok(s);
  },
  handleCall: (req: any, _f: unknown, s: any) => {
    if (req === 'bump') { s.n++; s.bag.add('x' + s.n); return reply(s.n, s); }
    return reply({ v: ${v}, n: s.n, size: s.bag.size, bagIs: s.bag instanceof Bag, m: [...s.m.get('k')], d: s.d instanceof Date ? s.d.getTime() : 'no', cyc: s.self === s, double: s.double, kind: kinds.kind() }, s);
  },
  codeChange: ${change},
};`, String(v));
const kinds = (v: number) => compileModule('a/kinds', `import * as srv from './srv';\nexport function kind() { return 'k${v}:' + typeof srv.srv; }`, String(v));

test('adversary: upgrade under call load with a rich state, in-place mutation then throw, then async', async () => {
  await withNode(async (node, crashes) => {
    const code = codeServerFor(node);
    await code.loadAll([kinds(1), srv(1, '(_o: unknown, s: any) => s')]);
    await node.run(async (ctx: ProcessContext) => {
      const pid = await genServer.start(ctx, exported(code, 'a/srv', 'srv'), undefined);
      const before = (await genServer.call(ctx, pid, 'get')) as { n: number };
      let stop = false;
      let answered = 0;
      const client = ctx.spawn(async (c) => {
        while (!stop) {
          await genServer.call(c, pid, 'bump');
          answered++;
        }
      });
      const bad = "(_o: unknown, s: any) => { s.n = 1000; s.bag.items.length = 0; s.m.clear(); s.d.setTime(5); s.self = null; throw new Error('half way'); }";
      await assert.rejects(upgradeModules(ctx, code, [srv(2, bad), kinds(2)]), /half way/);
      const mid = await genServer.call(ctx, pid, 'get') as Reply;
      assert.equal(mid.v, 1); assert.equal(mid.size, mid.n); assert.deepEqual(mid.m, [1, 2]); assert.equal(mid.d, 0); assert.equal(mid.cyc, true); assert.equal(mid.double, mid.n * 2);
      const good = "async (_o: unknown, s: any) => { await new Promise((r) => setImmediate(r)); s.n += 1; s.bag.add('up'); return s; }";
      await upgradeModules(ctx, code, [srv(3, good), kinds(3)]);
      stop = true;
      await ended(ctx, client);
      const after = await genServer.call(ctx, pid, 'get') as Reply;
      assert.equal(after.n, answered + 1, 'every call answered counted once, plus the codeChange');
      assert.equal(before.n, 0);
      assert.equal(after.v, 3); assert.equal(after.size, after.n); assert.equal(after.cyc, true); assert.equal(after.double, after.n * 2); assert.equal(after.d, 0);
      assert.match(String(after.kind), /^k3:object$/);
    });
    assert.deepEqual(crashes, []);
  });
});

const fsm = (v: number, change: string) => compileModule('a/fsm', `
export const fsm = {
  callbackMode: 'handleEvent' as const,
  init: () => ({ type: 'ok' as const, state: 'idle', data: { count: 0, log: [] as string[] } }),
  handleEvent: (ev: any, _st: any, d: any) => {
    if (ev.type === 'call') { if (ev.content === 'bump') { d.count++; d.log.push('b'); } return { type: 'keepState' as const, data: d, actions: [{ reply: [ev.from, { v: ${v}, ...d, log: d.log.length }] as const }] }; }
    return { type: 'keepStateAndData' as const };
  },
  codeChange: ${change},
};`, String(v));
const hnd = (v: number, change: string) => compileModule('a/hnd', `
export const hnd = {
  init: () => ({ type: 'ok' as const, state: { seen: 0 } }),
  handleEvent: (_e: unknown, s: any) => { s.seen++; return { type: 'ok' as const, state: s }; },
  handleCall: (_r: unknown, s: any) => ({ type: 'reply' as const, reply: { v: ${v}, ...s }, state: s }),
  codeChange: ${change},
};`, String(v));

test('adversary: a gen_statem and a gen_event handler in one batch; the handler throws after mutating, all roll back', async () => {
  await withNode(async (node, crashes) => {
    const code = codeServerFor(node);
    await code.loadAll([fsm(1, '(_o: any, st: any, d: any) => ({ state: st, data: d })'), hnd(1, '(_o: any, s: any) => s')]);
    await node.run(async (ctx: ProcessContext) => {
      const m = await genStatem.start(ctx, exported(code, 'a/fsm', 'fsm'), undefined);
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, exported(code, 'a/hnd', 'hnd'), undefined);
      let stop = false; let sent = 0;
      ctx.spawn(async (c) => { while (!stop) { await genStatem.call(c, m, 'bump'); genEvent.notify(c, mgr, 'e'); sent++; } });
      await genStatem.call(ctx, m, 'bump');
      const badF = "(_o: any, st: any, d: any) => { d.count = -1; d.log.length = 0; return { state: 'busy', data: d }; }";
      const badH = "(_o: any, s: any) => { s.seen = -5; throw new Error('handler no'); }";
      await assert.rejects(upgradeModules(ctx, code, [fsm(2, badF), hnd(2, badH)]), /handler no/);
      const f = await genStatem.call(ctx, m, 'get') as Reply;
      const h = await genEvent.call(ctx, mgr, exported(code, 'a/hnd', 'hnd'), 'get') as Reply;
      assert.equal(f.v, 1); assert.ok(f.count > 0); assert.equal(f.log, f.count);
      assert.equal(h.v, 1); assert.ok(h.seen >= 0);
      const goodF = "async (_o: any, st: any, d: any) => ({ state: st, data: { ...d, count: d.count + 100 } })";
      await upgradeModules(ctx, code, [fsm(3, goodF), hnd(3, "(_o: any, s: any) => ({ seen: s.seen + 1000 })")]);
      stop = true;
      const f3 = await genStatem.call(ctx, m, 'get') as Reply;
      const h3 = await genEvent.call(ctx, mgr, exported(code, 'a/hnd', 'hnd'), 'get') as Reply;
      assert.equal(f3.v, 3); assert.equal(f3.count, f3.log + 100);
      assert.equal(h3.v, 3); assert.ok(h3.seen >= 1000, String(h3.seen));
      assert.ok(sent > 0);
    });
    assert.deepEqual(crashes, []);
  });
});

const worker = (v: number, change: string) => compileModule('s/worker', `
import { ok, reply, genServer, type ProcessContext } from '@otp-ts/runtime';
export const echo = { init: (id: string) => ok({ id, n: 0 }), handleCall: (_r: unknown, _f: unknown, s: any) => { s.n++; return reply({ v: ${v}, ...s }, s); }, codeChange: ${change} };
export const start = (id: string) => (ctx: ProcessContext) => genServer.startLink(ctx, echo, id, { name: id });`, String(v));
const sup = (v: number, children: string[]) => compileModule('s/sup', `
import { supervisor } from '@otp-ts/runtime';
import * as w from './worker';
export const sup = { init: () => ({ flags: { strategy: 'oneForOne' as const, intensity: 5, period: 5 }, children: [${children.map((c) => `supervisor.worker('${c}', w.start('${c}'))`).join(', ')}] }) };`, String(v));

test('adversary: a supervisor whose child specs change upgraded with its child module; a failing child codeChange rolls both back', async () => {
  await withNode(async (node, crashes) => {
    const code = codeServerFor(node);
    await code.loadAll([worker(1, '(_o: any, s: any) => s'), sup(1, ['a', 'b'])]);
    await node.run(async (ctx: ProcessContext) => {
      const top = await supervisor.startLink(ctx, exported(code, 's/sup', 'sup'), undefined);
      await genServer.call(ctx, 'a' as never, 'x');
      await assert.rejects(upgradeModules(ctx, code, [worker(2, "(_o: any, s: any) => { s.n = -1; throw new Error('no w'); }"), sup(2, ['a', 'c'])]), /no w/);
      assert.deepEqual(await supervisor.syncChildren(ctx, top), { started: [], stopped: [], stoppedPids: [], failed: [] });
      assert.deepEqual((await supervisor.whichChildren(ctx, top)).map((c) => c.id).sort(), ['a', 'b']);
      assert.deepEqual(await genServer.call(ctx, 'a' as never, 'x'), { v: 1, id: 'a', n: 2 });
      await upgradeModules(ctx, code, [worker(3, "(_o: any, s: any) => ({ ...s, n: s.n + 10 })"), sup(3, ['a', 'c'])]);
      const sync = await supervisor.syncChildren(ctx, top);
      assert.deepEqual(sync.started, ['c']);
      assert.deepEqual(await genServer.call(ctx, 'a' as never, 'x'), { v: 3, id: 'a', n: 13 });
      assert.deepEqual(await genServer.call(ctx, 'c' as never, 'x'), { v: 3, id: 'c', n: 1 });
    });
    assert.deepEqual(crashes, []);
  });
});
