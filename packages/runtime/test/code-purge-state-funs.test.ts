// A process whose state holds a function of a module's old version runs that code whenever it calls it: as OTP's
// check_process_code counts funs of the old code on a process's heap, a soft purge refuses and a purge kills it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, genServer, sys, upgradeModules, type GenEventHandler, type GenServer, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor, ended } from './helpers.ts';

type Fmt = { fmt: (x: string) => string; plain: number };
type Srv = GenServer<Fmt, 'get' | 'keep', never, unknown, undefined>;

// Version `v` of app/fmt: a server whose state holds a closure of this version, and a factory of such closures.
// `keep` in codeChange: the state (and its closure) moves to the new version as it is.
const fmt = (v: number, keep = true) =>
  compileModule('app/fmt', `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const make = () => (x: string) => 'v${v}:' + x;
export const srv: GenServer<{ fmt: (x: string) => string; plain: number }, 'get', never, unknown, undefined> = {
  init: () => ok({ fmt: (x: string) => 'v${v}:' + x, plain: 1 }),
  handleCall: (_r, _f, s) => reply(s.fmt('a'), s),
  codeChange: (_o: unknown, s: { fmt: (x: string) => string; plain: number }) => (${keep ? 's' : `{ ...s, fmt: (x: string) => 'v${v}:' + x }`}),
};`, String(v));

// A registry server of another module: it keeps whatever function it is given in a Map, and calls it on 'run'.
const registry = compileModule('app/registry', `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const registry: GenServer<{ fns: Map<string, (x: string) => string> }, { put: (x: string) => string } | 'run', never, unknown, undefined> = {
  init: () => ok({ fns: new Map() }),
  handleCall: (r, _f, s) => (r === 'run' ? reply([...s.fns.values()].map((f) => f('b')), s) : (s.fns.set('k', r.put), reply('ok', s))),
};`, 'r1');

const handler = compileModule('app/hold', `
import type { GenEventHandler } from '@otp-ts/runtime';
export const hold: GenEventHandler<(x: string) => string, { f: (x: string) => string }, 'run', unknown> = {
  init: (f) => ({ type: 'ok', state: { f } }),
  handleEvent: (_e, s) => ({ type: 'ok', state: s }),
  handleCall: (_r, s) => ({ type: 'reply', reply: s.f('c'), state: s }),
};`, 'h1');

test('a server whose state still holds a closure of the old version after an upgrade holds off a soft purge, and a purge kills it', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(fmt(1));
    await node.run(async (ctx: ProcessContext) => {
      const pid = await genServer.start(ctx, (code.exportsOf('app/fmt') as { srv: Srv }).srv, undefined);
      await upgradeModules(ctx, code, [fmt(2)]);
      assert.equal(await genServer.call(ctx, pid, 'get'), 'v1:a', 'the migrated state still runs version 1 through its closure');
      assert.equal(code.softPurge('app/fmt'), false, 'a soft purge refuses: the server still runs version 1 code');
      assert.equal(code.versions('app/fmt').old, '1');
      assert.equal(code.purge('app/fmt'), 1, 'the purge kills the server holding version 1 code');
      await ended(ctx, pid);
    });
  });
});

test('a server of another module holding a closure of the old version in a Map holds off a soft purge and is killed by a purge; one whose state was moved on is not', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(fmt(1));
    await code.load(registry);
    await node.run(async (ctx: ProcessContext) => {
      const reg = (code.exportsOf('app/registry') as { registry: GenServer<unknown, unknown, never, unknown, undefined> }).registry;
      const holder: Pid = await genServer.start(ctx, reg, undefined);
      const clean: Pid = await genServer.start(ctx, reg, undefined);
      await genServer.call(ctx, holder, { put: (code.exportsOf('app/fmt') as { make: () => (x: string) => string }).make() });
      const server = await genServer.start(ctx, (code.exportsOf('app/fmt') as { srv: Srv }).srv, undefined);
      await upgradeModules(ctx, code, [fmt(2, false)]);
      await genServer.call(ctx, clean, { put: (code.exportsOf('app/fmt') as { make: () => (x: string) => string }).make() });
      assert.deepEqual(await genServer.call(ctx, holder, 'run'), ['v1:b']);
      assert.equal(await genServer.call(ctx, server, 'get'), 'v2:a');
      assert.equal(code.softPurge('app/fmt'), false);
      assert.equal(code.purge('app/fmt'), 1);
      await ended(ctx, holder);
      assert.ok(ctx.isAlive(clean), 'a state holding only the current closures is left alone');
      assert.ok(ctx.isAlive(server), 'a state whose closure codeChange replaced is left alone');
      assert.equal(code.softPurge('app/fmt'), true);
    });
  });
});

test('a gen_event handler whose state holds a closure of the old version holds off a soft purge; a purge removes that handler and the manager lives', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(fmt(1));
    await code.load(handler);
    await node.run(async (ctx: ProcessContext) => {
      const mgr = await genEvent.start(ctx);
      const hold = (code.exportsOf('app/hold') as { hold: GenEventHandler<unknown, unknown, unknown, unknown> }).hold;
      await genEvent.addHandler(ctx, mgr, hold, (code.exportsOf('app/fmt') as { make: () => unknown }).make());
      await code.load(fmt(2));
      assert.equal(await genEvent.call(ctx, mgr, hold, 'run'), 'v1:c');
      assert.equal(code.softPurge('app/fmt'), false);
      assert.equal(code.purge('app/fmt'), 0, 'the manager is not killed');
      const deadline = Date.now() + 10_000;
      while ((await genEvent.whichHandlers(ctx, mgr)).length > 0) {
        assert.ok(Date.now() < deadline, 'the handler holding version 1 code was never removed');
        await ctx.sleep(1);
      }
      assert.ok(ctx.isAlive(mgr));
    });
  });
});

// A plain process speaking sys (sys.special) whose state holds `held`; it answers 'run' with each function applied to 'd'.
function specialHolder(ctx: ProcessContext, held: Array<(x: string) => string>): Pid {
  return ctx.spawn(async (c) => {
    const me = sys.special(c, { name: 'holder' }, { fns: held });
    for (;;) {
      const msg = await c.receive();
      if (await me.handleSystem(msg)) continue;
      const { from } = msg as { from: Pid };
      c.send(from, me.state.fns.map((f) => f('d')));
    }
  });
}

test('a special process (sys.special) whose state holds a closure of the old version holds off a soft purge and is killed by a purge; one holding only current code lives', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(fmt(1));
    await node.run(async (ctx: ProcessContext) => {
      const make = () => (code.exportsOf('app/fmt') as { make: () => (x: string) => string }).make();
      const holder = specialHolder(ctx, [make()]);
      await code.load(fmt(2));
      const clean = specialHolder(ctx, [make()]);
      ctx.send(holder, { from: ctx.self() });
      assert.deepEqual(await ctx.receive(), ['v1:d'], 'the special process still runs version 1 through its state');
      assert.equal(code.softPurge('app/fmt'), false, 'a soft purge refuses: the special process holds version 1 code');
      assert.equal(code.versions('app/fmt').old, '1');
      assert.equal(code.purge('app/fmt'), 1, 'the purge kills the special process holding version 1 code');
      await ended(ctx, holder);
      assert.ok(ctx.isAlive(clean), 'a special process holding only current code is left alone');
      ctx.send(clean, { from: ctx.self() });
      assert.deepEqual(await ctx.receive(), ['v2:d']);
    });
  });
});

// Version `v` of app/cart: a server whose state holds an instance of the module's own class (not exported, and
// exported: both are the version's code). `rebuild`: codeChange moves the instances to this version's classes, as
// docs/code.md shows (Object.setPrototypeOf onto the new class's prototype).
const cart = (v: number, rebuild: boolean) =>
  compileModule('app/cart', `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
class Line { constructor(public sku: string) {} label() { return 'v${v}:' + this.sku; } }
export class Cart { lines = [new Line('a')]; total() { return 'v${v}:' + this.lines.length; } }
type S = { cart: Cart };
export const srv: GenServer<S, 'get', never, unknown, undefined> = {
  init: () => ok({ cart: new Cart() }),
  handleCall: (_r, _f, s) => reply([s.cart.total(), ...s.cart.lines.map((l) => l.label())], s),
  codeChange: (_o: unknown, s: S) => {
    ${rebuild ? 'Object.setPrototypeOf(s.cart, Cart.prototype); for (const l of s.cart.lines) Object.setPrototypeOf(l, Line.prototype);' : ''}
    return s;
  },
};`, String(v));

test("a server whose state holds instances of the old version's classes after an upgrade holds off a soft purge and is killed by a purge; one whose codeChange rebuilt them lives on the new code", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(cart(1, false));
    await node.run(async (ctx: ProcessContext) => {
      const start = async () => genServer.start(ctx, (code.exportsOf('app/cart') as { srv: GenServer<unknown, 'get', never, unknown, undefined> }).srv, undefined);
      const kept = await start();
      await upgradeModules(ctx, code, [cart(2, false)]);
      assert.deepEqual(await genServer.call(ctx, kept, 'get'), ['v1:1', 'v1:a'], "the state's instances still run version 1's methods");
      assert.equal(code.softPurge('app/cart'), false, 'a soft purge refuses: the server still calls version 1 methods');
      assert.equal(code.purge('app/cart'), 1, 'the purge kills the server holding version 1 instances');
      await ended(ctx, kept);
      const moved = await start();
      await upgradeModules(ctx, code, [cart(3, true)]);
      assert.deepEqual(await genServer.call(ctx, moved, 'get'), ['v3:1', 'v3:a'], 'codeChange moved the instances to version 3');
      assert.equal(code.softPurge('app/cart'), true, 'nothing holds version 2 code');
      assert.deepEqual(await genServer.call(ctx, moved, 'get'), ['v3:1', 'v3:a']);
    });
  });
});

test("a state mixing odd prototypes (a Date subclass, a function-made class with a builtin and a bound method, an emitter, Object.create of a module's object, a null prototype) is walked: the old version's object methods hold off a soft purge, a purge kills", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const m = (v: number) => compileModule('t/odd', `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
import { EventEmitter } from 'node:events';
class MyDate extends Date {}
function Legacy(this: any) { this.x = 1; }
Legacy.prototype.push = Array.prototype.push;
Legacy.prototype.bound = function () { return 1; }.bind(null);
const protoObj = { hi() { return 'v${v}'; } };
export const srv: GenServer<any, 'get', never, unknown, undefined> = {
  init: () => ok({ d: new MyDate(0), l: new (Legacy as any)(), e: new EventEmitter(), o: Object.create(protoObj), n: Object.create(null), u8: new Uint8Array(2), err: new TypeError('x') }),
  handleCall: (_r, _f, s) => reply(s.o.hi(), s),
  codeChange: (_o: unknown, s: any) => s,
};`, String(v));
    await code.load(m(1));
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, (code.exportsOf('t/odd') as { srv: GenServer<unknown, 'get', never, unknown, undefined> }).srv, undefined);
      await upgradeModules(ctx, code, [m(2)]);
      assert.equal(await genServer.call(ctx, pid, 'get'), 'v1');
      assert.equal(code.softPurge('t/odd'), false);
      assert.equal(code.purge('t/odd'), 1);
    });
  });
});
