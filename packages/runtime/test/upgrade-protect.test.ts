import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runtime from '@otp-ts/runtime';
import { genEvent, genServer, genStatem, sys, upgradeModules, type GenServer, type Pid, type UpgradeError } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';
import { replaceOrFail } from '../../../test/support/wait.ts';

// codeChange works on a copy of the state: a rollback puts back the very objects that were there, untouched,
// even when a codeChange converted them in place before it threw.

// Version 1: a shop whose state nests a Map of Sets, a class instance, a Date and a typed array.
const shopV1 = `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export class Cart {
  constructor(public owner: string, public lines: Map<string, number>) {}
  total(): number { let n = 0; for (const q of this.lines.values()) n += q; return n; }
}
export interface State { carts: Map<string, Cart>; tags: Map<string, Set<string>>; since: Date; bytes: Uint8Array; self?: State }
export const shop: GenServer<State, 'dump' | 'total', never, unknown, void> = {
  name: 'shop',
  init: () => {
    const lines = new Map([['apple', 2], ['pear', 3]]);
    const state: State = { carts: new Map([['ann', new Cart('ann', lines)]]), tags: new Map([['ann', new Set(['vip'])]]), since: new Date(1000), bytes: new Uint8Array([1, 2, 3]) };
    state.self = state;
    return ok(state);
  },
  handleCall: (req, _from, s) => {
    if (req === 'total') return reply(s.carts.get('ann')!.total(), s);
    return reply({
      carts: [...s.carts].map(([k, c]) => [k, c.owner, [...c.lines], c instanceof Cart]),
      tags: [...s.tags].map(([k, t]) => [k, [...t]]),
      since: s.since.getTime(),
      bytes: [...s.bytes],
      cycle: s.self === s,
    }, s);
  },
};`;

// Version 2 converts the state in place (Maps, Sets, the class instance, the Date, the bytes), then `ending` (throw or return).
const shopV2 = (ending: string) => `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const shop: GenServer<any, 'dump' | 'total', never, unknown, void> = {
  name: 'shop',
  init: () => ok({}),
  handleCall: (_req, _from, s) => reply({ v: 2, total: s.carts.get('ann').total(), owner: s.carts.get('ann').owner, tags: [...s.tags.get('ann')], cycle: s.self === s }, s),
  codeChange: (_old, s: any) => {
    const cart = s.carts.get('ann');
    cart.lines.set('apple', 100);
    cart.lines.delete('pear');
    cart.owner = 'bob';
    s.tags.get('ann').add('converted');
    s.tags.set('bob', new Set());
    s.since.setTime(0);
    s.bytes[0] = 99;
    s.carts.set('eve', cart);
    ${ending}
  },
};`;

type Shop = { shop: GenServer<unknown, 'dump' | 'total', never, unknown, void> };

test('a codeChange that converts nested Maps, Sets and class instances in place and then throws leaves the original state, the very same objects, untouched', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/shop', shopV1, '1'));
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, (code.exportsOf('app/shop') as Shop).shop, undefined);
      const before = await genServer.call(ctx, srv, 'dump');
      const original = await sys.getState<{ carts: Map<string, unknown> }>(ctx, srv);
      const cart = original.carts.get('ann');
      await assert.rejects(upgradeModules(ctx, code, [compileModule('app/shop', shopV2("throw new Error('half way through');"), '2')]), (e: UpgradeError) => e.stage === 'codeChange' && e.pid === srv && /half way through/.test(e.message));
      assert.equal(code.versions('app/shop').current, '1');
      const after = await sys.getState<{ carts: Map<string, unknown> }>(ctx, srv);
      assert.equal(after, original, 'the rollback put back the very state object');
      assert.equal(after.carts.get('ann'), cart, 'and the very class instance inside it');
      assert.deepEqual(await genServer.call(ctx, srv, 'dump'), before, 'nothing in it was converted');
      assert.equal(await genServer.call(ctx, srv, 'total'), 5, "the class instance's prototype methods still work");
    });
  });
});

test('a codeChange that converts the state in place and returns it upgrades to the converted copy; the pre-upgrade objects stay as they were', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/shop', shopV1, '1'));
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, (code.exportsOf('app/shop') as Shop).shop, undefined);
      const original = await sys.getState<{ carts: Map<string, { owner: string; total(): number }> }>(ctx, srv);
      await upgradeModules(ctx, code, [compileModule('app/shop', shopV2('return s;'), '2')]);
      assert.deepEqual(await genServer.call(ctx, srv, 'dump'), { v: 2, total: 100, owner: 'bob', tags: ['vip', 'converted'], cycle: true }, 'the copy kept its prototypes, methods and cycle, and carries the conversion');
      assert.equal(original.carts.get('ann')!.owner, 'ann', 'the original was never touched');
      assert.equal(original.carts.get('ann')!.total(), 5);
      assert.equal(original.carts.size, 1);
    });
  });
});

test('under load: a client calling throughout a failed upgrade reads the same values before and after the rollback, and every call is answered once', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/shop', shopV1, '1'));
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, (code.exportsOf('app/shop') as Shop).shop, undefined);
      const before = await genServer.call(ctx, srv, 'dump');
      const parent = ctx.self();
      // The client calls until told to finish, then makes ten more calls and reports every answer.
      const client = ctx.spawn(async (c) => {
        const answers: unknown[] = [];
        let after = -1;
        while (after < 10) {
          answers.push(await genServer.call(c, srv, 'dump'));
          if (after >= 0) after++;
          else if (c.receiveNow((m) => m === 'finish') !== runtime.TIMEOUT) after = 0;
          if (answers.length === 5) c.send(parent, 'calling');
        }
        c.send(parent, { answers });
      });
      await ctx.receive((m) => m === 'calling');
      await assert.rejects(upgradeModules(ctx, code, [compileModule('app/shop', shopV2("throw new Error('no');"), '2')]), (e: UpgradeError) => e.stage === 'codeChange');
      ctx.send(client, 'finish');
      const { answers } = (await ctx.receive((m) => typeof m === 'object' && m !== null && 'answers' in m)) as { answers: unknown[] };
      assert.ok(answers.length >= 15);
      for (const a of answers) assert.deepEqual(a, before);
    });
  });
});

test("an array's own properties besides its elements (a subclass's fields, a RegExp match's index and groups, names and symbols set on it) reach codeChange's copy", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const v1 = `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export class Recent<T> extends Array<T> { limit = 3; }
export const SEEN = Symbol.for('app/seen');
export const log: GenServer<any, 'get', never, unknown, void> = {
  name: 'log',
  init: () => {
    const recent = new Recent<string>();
    recent.push('a');
    const tags: any = ['x', 'y'];
    tags.updated = 5;
    tags[SEEN] = 'twice';
    return ok({ recent, match: /(?<word>\\w+) there/.exec('hi there'), tags });
  },
  handleCall: (_req, _from, s) => reply({ limit: s.recent.limit, recent: [...s.recent], index: s.match.index, word: s.match.groups.word, updated: s.tags.updated, seen: s.tags[SEEN], v: s.v }, s),
};`;
    // The common codeChange: a new state built from the copy, every field carried over as it is.
    const v2 = replaceOrFail(v1, 'handleCall:', 'codeChange: (_o: unknown, s: any) => ({ ...s, v: 2 }),\n  handleCall:');
    await code.load(compileModule('app/log', v1, '1'));
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, (code.exportsOf('app/log') as { log: GenServer<unknown, 'get', never, unknown, void> }).log, undefined);
      const before = (await genServer.call(ctx, srv, 'get')) as Record<string, unknown>;
      assert.deepEqual(before, { limit: 3, recent: ['a'], index: 0, word: 'hi', updated: 5, seen: 'twice', v: undefined });
      await upgradeModules(ctx, code, [compileModule('app/log', v2, '2')]);
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { ...before, v: 2 }, 'nothing but v changed');
    });
  });
});

test('a codeChange that changes the state through a cycle running through a frozen object and then throws leaves the original untouched', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    // A frozen settings object whose mutable part points back to it.
    const v1 = `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const cfg: GenServer<any, 'get', never, unknown, void> = {
  name: 'cfg',
  init: () => {
    const limits: any = { max: 1 };
    const settings = Object.freeze({ limits });
    limits.settings = settings;
    return ok({ settings });
  },
  handleCall: (_req, _from, s) => reply({ max: s.settings.limits.max, cycle: s.settings.limits.settings === s.settings }, s),
};`;
    const change = (ending: string) => replaceOrFail(v1, 'handleCall:', `codeChange: (_o: unknown, s: any) => { s.settings.limits.settings.limits.max = 99; ${ending} },\n  handleCall:`);
    await code.load(compileModule('app/cfg', v1, '1'));
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, (code.exportsOf('app/cfg') as { cfg: GenServer<unknown, 'get', never, unknown, void> }).cfg, undefined);
      await assert.rejects(upgradeModules(ctx, code, [compileModule('app/cfg', change("throw new Error('no');"), '2')]), (e: UpgradeError) => e.stage === 'codeChange');
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { max: 1, cycle: true }, 'the rollback put back a state nothing changed');
      await upgradeModules(ctx, code, [compileModule('app/cfg', change('return s;'), '3')]);
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { max: 99, cycle: true }, 'the copy keeps the cycle, through the frozen copy');
    });
  });
});

const cacheV1 = `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const cache: GenServer<{ hits: number; cache: WeakMap<object, number> }, 'get', never, unknown, void> = {
  name: 'cache',
  init: () => ok({ hits: 1, cache: new WeakMap() }),
  handleCall: (_req, _from, s) => reply(s.hits, s),
};`;

test('a state holding a WeakMap is refused at the check stage, before any code is swapped, naming the process, the path and the fix', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/cache', cacheV1, '1'));
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, (code.exportsOf('app/cache') as { cache: GenServer<unknown, 'get', never, unknown, void> }).cache, undefined);
      const v2 = replaceOrFail(cacheV1, 'handleCall:', "codeChange: () => { throw new Error('codeChange ran'); },\n  handleCall:");
      await assert.rejects(upgradeModules(ctx, code, [compileModule('app/cache', v2, '2')]), (e: UpgradeError) => {
        assert.equal(e.stage, 'check');
        assert.equal(e.pid, srv);
        assert.equal(e.module, 'app/cache');
        assert.equal(e.message, `upgrade refused before any code was swapped: ${srv} (app/cache): state.cache is a WeakMap, which cannot be copied: use a Map, or keep it outside the state (e.g. in a module-level variable)`);
        return true;
      });
      assert.deepEqual(code.versions('app/cache'), { current: '1', old: undefined }, 'no code was swapped');
      assert.equal(await genServer.call(ctx, srv, 'get'), 1, 'the server was resumed and serves');
    });
  });
});

const refusals: Array<[string, string, RegExp]> = [
  ['a Promise', '{ pending: Promise.resolve(1) }', /state\.pending is a Promise, which cannot be copied: store the value it resolves to/],
  ['a Proxy', '{ list: [1, new Proxy({}, {})] }', /state\.list\[1\] is a Proxy, which cannot be copied/],
  ['a WeakSet inside a Map', "{ byId: new Map([['a', { seen: new WeakSet() }]]) }", /state\.byId\.get\("a"\)\.seen is a WeakSet/],
  ['a class with #private fields', '{ box: new (class Box { #n = 1; get n() { return this.#n; } })() }', /state\.box is an instance of Box, whose #private fields cannot be copied: use TypeScript's private modifier instead, or give the class a \[copyState\] method/],
];

for (const [what, init, message] of refusals) {
  test(`a state holding ${what} is refused at the check stage with its path`, async () => {
    await withNode(async (node) => {
      const code = codeServerFor(node);
      const v1 = `import { ok, reply } from '@otp-ts/runtime'; export const s = { name: 's', init: () => ok(${init}), handleCall: (_r: unknown, _f: unknown, st: unknown) => reply(1, st) };`;
      await code.load(compileModule('app/s', v1, '1'));
      await node.run(async (ctx) => {
        await genServer.start(ctx, (code.exportsOf('app/s') as { s: GenServer<unknown, 'get', never, unknown, void> }).s, undefined);
        const v2 = replaceOrFail(v1, 'handleCall:', 'codeChange: (_o: unknown, st: unknown) => st, handleCall:');
        await assert.rejects(upgradeModules(ctx, code, [compileModule('app/s', v2, '2')]), (e: UpgradeError) => e.stage === 'check' && message.test(e.message));
        assert.equal(code.versions('app/s').current, '1');
      });
    });
  });
}

test('a gen_server whose new version has no codeChange keeps its state as it is: nothing is copied, so a state that cannot be copied is no reason to refuse', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/cache', cacheV1, '1'));
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, (code.exportsOf('app/cache') as { cache: GenServer<unknown, 'get', never, unknown, void> }).cache, undefined);
      const before = await sys.getState(ctx, srv);
      const report = await upgradeModules(ctx, code, [compileModule('app/cache', replaceOrFail(cacheV1, 's.hits, s', 's.hits + 1, s'), '2')]);
      assert.deepEqual(report.processes, [srv]);
      assert.equal(await genServer.call(ctx, srv, 'get'), 2, 'the new code runs');
      assert.equal(await sys.getState(ctx, srv), before, 'with the very same state object, WeakMap and all');
    });
  });
});

test("codeChange gets functions, pids, module exports, timers, the node's logger and copyState-kept values by reference, and copies of the rest with sharing kept", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const v1 = `
import { ok, reply, copyState, loggerOf, type GenServer } from '@otp-ts/runtime';
import { helper } from './helper';
export class Conn { [copyState]() { return this; } }
export const keeper: GenServer<any, 'get', never, unknown, void> = {
  name: 'keeper',
  init: (_a, ctx) => {
    const shared = { n: 1 };
    return ok({ fn: () => 1, pid: ctx.self(), helper, timer: setInterval(() => undefined, 60_000), conn: new Conn(), a: shared, b: [shared], frozen: Object.freeze({ n: 2 }), logger: loggerOf(ctx.node), buf: Buffer.from('hello') });
  },
  handleCall: (_req, _from, s) => reply(s, s),
  terminate: (_r, s) => clearInterval(s.timer),
};`;
    const v2 = replaceOrFail(v1, 'handleCall:', `codeChange: (_old, s: any, extra: any) => { extra.seen = s; return s; },\n  handleCall:`);
    await code.load(compileModule('app/helper', `export const helper = { h: 1 };`, '1'));
    await code.load(compileModule('app/keeper', v1, '1'));
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, (code.exportsOf('app/keeper') as { keeper: GenServer<unknown, 'get', never, unknown, void> }).keeper, undefined);
      const original = await sys.getState<Record<string, unknown>>(ctx, srv);
      const extra: { seen?: Record<string, unknown> } = {};
      await upgradeModules(ctx, code, [compileModule('app/keeper', v2, '2')], { extra });
      const seen = extra.seen!;
      assert.notEqual(seen, original, 'the state was copied');
      for (const key of ['fn', 'pid', 'helper', 'timer', 'conn', 'frozen', 'logger']) assert.equal(seen[key], original[key], `${key} is kept by reference`);
      assert.ok(Buffer.isBuffer(seen.buf) && seen.buf !== original.buf && seen.buf.toString() === 'hello', 'a Buffer is copied as a Buffer');
      assert.equal((seen.buf as Buffer).buffer.byteLength, 5, "a Buffer from Node's pool copies its own bytes, not the pool");
      assert.notEqual(seen.a, original.a, 'plain objects are copied');
      assert.equal((seen.b as unknown[])[0], seen.a, 'a reference shared in the state is shared in the copy');
      await genServer.stop(ctx, srv);
    });
  });
});

test('a gen_statem whose codeChange converts its data in place and throws keeps its state and data objects', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const v1 = `
import { type GenStatem } from '@otp-ts/runtime';
export const door: GenStatem<string, { codes: Map<string, number> }, 'get', never, unknown, void> = {
  name: 'door',
  callbackMode: 'handleEvent',
  init: () => ({ type: 'ok', state: 'locked', data: { codes: new Map([['a', 1]]) } }),
  handleEvent: (e, state, data) => e.type === 'call' ? { type: 'keepStateAndData', actions: [{ reply: [e.from, [state, [...data.codes]]] }] } : { type: 'keepStateAndData' },
};`;
    const v2 = replaceOrFail(v1, "handleEvent: (e", "codeChange: (_o: unknown, _s: unknown, d: any) => { d.codes.set('a', 2); d.codes.set('b', 3); throw new Error('statem no'); },\n  handleEvent: (e");
    await code.load(compileModule('app/door', v1, '1'));
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, (code.exportsOf('app/door') as { door: runtime.GenStatem<string, unknown, 'get', never, unknown, void> }).door, undefined);
      const original = await sys.getState<{ data: unknown }>(ctx, pid);
      await assert.rejects(upgradeModules(ctx, code, [compileModule('app/door', v2, '2')]), /statem no/);
      assert.equal((await sys.getState<{ data: unknown }>(ctx, pid)).data, original.data);
      assert.deepEqual(await genStatem.call(ctx, pid, 'get'), ['locked', [['a', 1]]]);
    });
  });
});

test("a gen_event handler whose codeChange converts its state in place and throws keeps its state object, and the manager's other handlers are untouched", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const v1 = `
import { type GenEventHandler } from '@otp-ts/runtime';
export const audit: GenEventHandler<unknown, { seen: Set<string> }, 'get', unknown> = {
  name: 'audit',
  init: () => ({ type: 'ok', state: { seen: new Set(['boot']) } }),
  handleEvent: (e, s) => { s.seen.add(String(e)); return { type: 'ok', state: s }; },
  handleCall: (_r, s) => ({ type: 'reply', reply: [...s.seen], state: s }),
};`;
    const v2 = replaceOrFail(v1, 'handleCall:', "codeChange: (_o: unknown, s: any) => { s.seen.clear(); throw new Error('handler no'); },\n  handleCall:");
    await code.load(compileModule('app/audit', v1, '1'));
    await node.run(async (ctx) => {
      const mgr = await genEvent.start(ctx);
      const audit = (code.exportsOf('app/audit') as { audit: runtime.GenEventHandler<unknown, unknown, 'get', unknown> }).audit;
      await genEvent.addHandler(ctx, mgr, audit, undefined);
      // A handler of no loaded module, holding what cannot be copied: it is not part of the upgrade, so it is not copied.
      await genEvent.addHandler(ctx, mgr, { name: 'other', init: () => ({ type: 'ok', state: new WeakMap() }), handleEvent: (_e: unknown, s: unknown) => ({ type: 'ok', state: s }) } as never, undefined);
      await genEvent.syncNotify(ctx, mgr, 'sold');
      const original = await sys.getState<Array<{ state: unknown }>>(ctx, mgr);
      await assert.rejects(upgradeModules(ctx, code, [compileModule('app/audit', v2, '2')]), (e: UpgradeError) => e.stage === 'codeChange' && e.pid === mgr && /handler no/.test(e.message));
      const after = await sys.getState<Array<{ state: unknown }>>(ctx, mgr);
      assert.deepEqual(after.map((h) => h.state), original.map((h) => h.state));
      assert.equal(after[1]!.state, original[1]!.state, 'the very state object');
      assert.deepEqual(await genEvent.call(ctx, mgr, audit, 'get'), ['boot', 'sold']);
    });
  });
});

test('sys.changeCode by hand (suspend, changeCode, resume) with a codeChange that converts in place and throws leaves a gen_server, a gen_statem and a gen_event handler as they were', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const door = `
import { type GenStatem } from '@otp-ts/runtime';
export const door: GenStatem<string, { codes: string[] }, 'get', never, unknown, void> = {
  callbackMode: 'handleEvent',
  init: () => ({ type: 'ok', state: 'locked', data: { codes: ['1234'] } }),
  handleEvent: (e, state, data) => e.type === 'call' ? { type: 'keepStateAndData', actions: [{ reply: [e.from, [state, data.codes]] }] } : { type: 'keepStateAndData' },
};`;
    const audit = `
import { type GenEventHandler } from '@otp-ts/runtime';
export const audit: GenEventHandler<unknown, { seen: string[] }, 'get', unknown> = {
  name: 'audit',
  init: () => ({ type: 'ok', state: { seen: ['boot'] } }),
  handleEvent: (_e, s) => ({ type: 'ok', state: s }),
  handleCall: (_r, s) => ({ type: 'reply', reply: s.seen, state: s }),
};`;
    await code.load(compileModule('app/shop', shopV1, '1'));
    await code.load(compileModule('app/door', door, '1'));
    await code.load(compileModule('app/audit', audit, '1'));
    const next = async (name: string, source: string) => Object.values((await code.evaluate(compileModule(name, source, '2'))).exports)[0];
    const shop2 = await next('app/shop', shopV2("throw new Error('no');"));
    const door2 = await next('app/door', replaceOrFail(door, 'handleEvent: (e', "codeChange: (_o: unknown, _s: unknown, d: any) => { d.codes.push('9999'); throw new Error('no'); },\n  handleEvent: (e"));
    const audit2 = await next('app/audit', replaceOrFail(audit, 'handleCall:', "codeChange: (_o: unknown, s: any) => { s.seen.length = 0; throw new Error('no'); },\n  handleCall:"));
    await node.run(async (ctx) => {
      const shop = await genServer.start(ctx, (code.exportsOf('app/shop') as Shop).shop, undefined);
      const machine = await genStatem.start(ctx, (code.exportsOf('app/door') as { door: runtime.GenStatem<string, unknown, 'get', never, unknown, void> }).door, undefined);
      const mgr = await genEvent.start(ctx);
      const handler = (code.exportsOf('app/audit') as { audit: runtime.GenEventHandler<unknown, unknown, 'get', unknown> }).audit;
      await genEvent.addHandler(ctx, mgr, handler, undefined);
      const before = await genServer.call(ctx, shop, 'dump');
      for (const [pid, module] of [[shop, shop2], [machine, door2], [mgr, audit2]] as const) {
        await sys.suspend(ctx, pid);
        await assert.rejects(sys.changeCode(ctx, pid, module, '1', null), /no/);
        await sys.resume(ctx, pid);
      }
      assert.deepEqual(await genServer.call(ctx, shop, 'dump'), before, 'the shop state as it was');
      assert.deepEqual(await genStatem.call(ctx, machine, 'get'), ['locked', ['1234']]);
      assert.deepEqual(await genEvent.call(ctx, mgr, handler, 'get'), ['boot']);
    });
  });
});

export type { Pid };

// A ring of two class instances whose copyState makes its copy; `early` says whether it records the copy with made() first.
const ringV1 = (early: boolean) => `
import { ok, reply, copyState, type GenServer } from '@otp-ts/runtime';
// Counted on globalThis: the instances are the first version's, the call that reads the count the second's.
const runs = globalThis as { linkHookRuns?: number };
export class Link {
  next: any = undefined;
  constructor(public n: number) {}
  [copyState](copy: <V>(v: V) => V, made: <T>(out: T) => T) {
    runs.linkHookRuns = (runs.linkHookRuns ?? 0) + 1;
    const out = ${early ? 'made(new Link(this.n))' : 'new Link(this.n)'};
    out.next = copy(this.next);
    return out;
  }
}
export const ring: GenServer<any, 'get', never, unknown, void> = {
  name: 'ring',
  init: () => {
    const head = new Link(1);
    head.next = { back: head };
    return ok({ head });
  },
  handleCall: (_req, _from, s) => reply({ n: s.head.n, cycle: s.head.next.back === s.head, runs: runs.linkHookRuns ?? 0 }, s),
};`;

test("a class's copyState on an object in a cycle runs once and the copy keeps the cycle; without made() the cycle is refused at the check stage", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/ring', ringV1(true), '1'));
    await code.load(compileModule('app/loose', replaceOrFail(ringV1(false), "name: 'ring'", "name: 'loose'"), '1'));
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, (code.exportsOf('app/ring') as { ring: GenServer<unknown, 'get', never, unknown, void> }).ring, undefined);
      const v2 = replaceOrFail(ringV1(true), 'handleCall:', 'codeChange: (_o: unknown, s: any) => { s.head.n = 2; return s; },\n  handleCall:');
      await upgradeModules(ctx, code, [compileModule('app/ring', v2, '2')]);
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { n: 2, cycle: true, runs: 1 }, 'one copy, cycle kept');

      delete (globalThis as { linkHookRuns?: number }).linkHookRuns;
      const loose = await genServer.start(ctx, (code.exportsOf('app/loose') as { ring: GenServer<unknown, 'get', never, unknown, void> }).ring, undefined);
      const loose2 = replaceOrFail(replaceOrFail(ringV1(false), "name: 'ring'", "name: 'loose'"), 'handleCall:', 'codeChange: (_o: unknown, s: any) => s,\n  handleCall:');
      await assert.rejects(upgradeModules(ctx, code, [compileModule('app/loose', loose2, '2')]), (e: UpgradeError) => {
        assert.equal(e.stage, 'check');
        assert.match(e.message, /state\.head \(copyState\)\.back is an instance of Link reached again through a cycle while its copyState method copies it: in copyState, call its second argument with the copy/);
        return true;
      });
      assert.deepEqual(await genServer.call(ctx, loose, 'get'), { n: 1, cycle: true, runs: 1 }, 'the refused upgrade left the server as it was');
    });
  });
});
