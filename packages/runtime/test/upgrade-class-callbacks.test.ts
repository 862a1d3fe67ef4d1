import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runtime from '@otp-ts/runtime';
import { genServer, type Pid } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// A gen_server written as a class, started with an instance the module's own startLink makes (`new Counter(...)`):
// the instance is no export, yet the process runs the module's code, as a gen_server names its module in OTP.
const counter = (tag: string, codeChange = '') => `
import { genServer, ok, reply, type ProcessContext } from '@otp-ts/runtime';
export class Counter {
  constructor(readonly label: string) {}
  init() { return ok(0); }
  handleCall(_req: 'get', _from: unknown, n: number) { return reply('${tag}:' + this.label + ':' + n, n + 1); }
  ${codeChange}
}
export const startLink = (ctx: ProcessContext) => genServer.startLink(ctx, new Counter('c'), undefined);`;

type Api = { startLink: (ctx: runtime.ProcessContext) => Promise<Pid> };

test('a gen_server started with an instance of an exported class runs the new class after an upgrade, its codeChange included, and is not killed by the next purge', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/counter', counter('v1'), '1'));
    await node.run(async (ctx) => {
      const srv = await (code.exportsOf('app/counter') as Api).startLink(ctx);
      assert.equal(await genServer.call(ctx, srv, 'get'), 'v1:c:0');
      const report = await runtime.upgradeModules(ctx, code, [compileModule('app/counter', counter('v2', 'codeChange(_old: unknown, n: number) { return n + 100; }'), '2')], {});
      assert.deepEqual(report.processes, [srv], 'the class instance counts as running app/counter');
      assert.equal(await genServer.call(ctx, srv, 'get'), 'v2:c:101', "the new class's handleCall runs, on the state its codeChange made, with the instance's fields");
      assert.equal(code.softPurge('app/counter'), true, 'no process runs the old version any more');
      await runtime.upgradeModules(ctx, code, [compileModule('app/counter', counter('v3'), '3')], {});
      assert.equal(await genServer.call(ctx, srv, 'get'), 'v3:c:102', 'a second upgrade reaches it too');
    });
  });
});

// The same server keeping #private fields (a limit from an initialiser, a count it mutates in place): a private
// field exists only on an object its class's constructor made, so an instance made without it crashed at its first call.
const privateCounter = (tag: string) => `
import { genServer, ok, reply, type ProcessContext } from '@otp-ts/runtime';
class Base { #base = 'b'; protected base() { return this.#base; } }
export class Counter extends Base {
  #limit = 10;
  #calls = 0;
  label = 'c';
  init() { return ok(0); }
  handleCall(_req: 'get', _from: unknown, n: number) { this.#calls += 1; return reply('${tag}:' + this.label + ':' + this.base() + ':' + this.#limit + ':' + n, n + 1); }
}
export const startLink = (ctx: ProcessContext) => genServer.startLink(ctx, new Counter(), undefined);`;

test('a class-based gen_server with #private fields keeps serving after an upgrade, its public fields carried over', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/counter', privateCounter('v1'), '1'));
    await node.run(async (ctx) => {
      const srv = await (code.exportsOf('app/counter') as Api).startLink(ctx);
      assert.equal(await genServer.call(ctx, srv, 'get'), 'v1:c:b:10:0');
      await genServer.call(ctx, srv, 'get');
      const report = await runtime.upgradeModules(ctx, code, [compileModule('app/counter', privateCounter('v2'), '2')], {});
      assert.deepEqual(report.processes, [srv]);
      assert.equal(await genServer.call(ctx, srv, 'get'), 'v2:c:b:10:2', "the new class's #fields are there (from their initialisers), with the state and public fields");
      await runtime.upgradeModules(ctx, code, [compileModule('app/counter', privateCounter('v3'), '3')], {});
      assert.equal(await genServer.call(ctx, srv, 'get'), 'v3:c:b:10:3', 'a second upgrade reaches it too');
    });
  });
});

// A class keeping #private fields whose constructor needs its arguments: no instance of the new class can be made for
// the running one, whose #fields an upgrade cannot read. Moving it to an object without them crashed its next call.
const optsCounter = (tag: string) => `
import { genServer, ok, reply, type ProcessContext } from '@otp-ts/runtime';
export class Counter {
  #label: string;
  constructor(opts: { label: string }) { this.#label = opts.label; }
  init() { return ok(0); }
  handleCall(_req: 'get', _from: unknown, n: number) { return reply('${tag}:' + this.#label + ':' + n, n + 1); }
}
export const startLink = (ctx: ProcessContext) => genServer.startLink(ctx, new Counter({ label: 'c' }), undefined);`;

test('an upgrade of a class-based gen_server with #private fields whose constructor needs its arguments is refused naming the class and the fix, and the server keeps serving the old code', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/counter', optsCounter('v1'), '1'));
    await node.run(async (ctx) => {
      const srv = await (code.exportsOf('app/counter') as Api).startLink(ctx);
      assert.equal(await genServer.call(ctx, srv, 'get'), 'v1:c:0');
      await assert.rejects(runtime.upgradeModules(ctx, code, [compileModule('app/counter', optsCounter('v2'), '2')], {}), (error: Error) => {
        assert.match(error.message, /Counter declares #private fields/);
        assert.match(error.message, /constructor/);
        assert.match(error.message, /default/);
        return true;
      });
      assert.equal(code.versions('app/counter').current, '1', 'nothing was swapped');
      assert.equal(await genServer.call(ctx, srv, 'get'), 'v1:c:1', 'the server still runs version 1, its #fields intact');
    });
  });
});
