import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, type GenServer, type ProcessContext } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// A callback object a version's factory made (`makeServer()`), held by a caller and started only after that version
// was purged, would run purged code that no later purge finds: the start is refused, naming the version, as OTP's
// gen_server:start of a module whose code is gone cannot run it.

const factory = (n: number): string => `
import { ok, reply } from '@otp-ts/runtime';
export function makeServer() { return { init: () => ok(${n}), handleCall: (_r: unknown, _f: unknown, s: number) => reply(s, s) }; }
class Hidden { init() { return ok(${n}); } handleCall(_r: unknown, _f: unknown, s: number) { return reply(s, s); } }
export function makeInstance() { return new Hidden(); }
export function makeMachine() { return { callbackMode: 'handleEventFunction', init: () => ok('idle', ${n}), handleEvent: () => ({ type: 'keepStateAndData' }) }; }`;

type Factory = { makeServer: () => GenServer<number, unknown, never, number>; makeInstance: () => GenServer<number, unknown, never, number>; makeMachine: () => never };

test('a callback object a purged version made, started only after the purge, is refused naming the version', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/sp_f', factory(1), '1'));
    // A purge of another module first: starts look at made objects from then on, and remember what they found.
    for (const n of [1, 2, 3]) await code.load(compileModule('app/sp_other', `export const n = ${n};`, String(n)));
    await node.run(async (ctx: ProcessContext) => {
      const f = code.exportsOf('app/sp_f') as Factory;
      const held = f.makeServer();
      // Started (and so looked at) while version 1 is current: it runs; its next start after the purge does not.
      const once = await genServer.start(ctx, held, undefined);
      assert.equal(await genServer.call(ctx, once, 'v'), 1);
      await genServer.stop(ctx, once);
      const instance = f.makeInstance();
      const machine = f.makeMachine();
      // Made and started before the purge: fine.
      const early = await genServer.start(ctx, f.makeServer(), undefined);
      assert.equal(await genServer.call(ctx, early, 'v'), 1);
      await code.load(compileModule('app/sp_f', factory(2), '2'));
      // Version 1 is old, not purged: it still starts (as OTP runs old code until a purge).
      const old = await genServer.start(ctx, f.makeServer(), undefined);
      assert.equal(await genServer.call(ctx, old, 'v'), 2);
      await code.load(compileModule('app/sp_f', factory(3), '3'));
      // Version 1 is purged now: the objects it made cannot start.
      await assert.rejects(genServer.start(ctx, held, undefined), /app\/sp_f \(version 1\).*purged/);
      await assert.rejects(genServer.start(ctx, instance, undefined), /app\/sp_f \(version 1\).*purged/);
      await assert.rejects(genStatem.start(ctx, machine, undefined), /app\/sp_f \(version 1\).*purged/);
      // What the current version makes starts, as does what the old (unpurged) one made.
      const now = await genServer.start(ctx, f.makeServer(), undefined);
      assert.equal(await genServer.call(ctx, now, 'v'), 3);
    });
  });
});
