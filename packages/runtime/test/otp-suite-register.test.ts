// Cases of erts' register tests (erts/emulator/test/process_SUITE, bif_SUITE): what register refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, RuntimeError } from '@otp-ts/runtime';
import { withNode, echo } from './helpers.ts';

const badarg = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg';

test("register: 'undefined' cannot be registered, by register, by spawn's name or by a behaviour's name; nothing is left registered", async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      assert.throws(() => ctx.register('undefined'), (e: unknown) => badarg(e) && /'undefined' cannot be registered/.test((e as Error).message));
      assert.throws(() => ctx.spawn(async () => {}, { name: 'undefined' }), badarg);
      await assert.rejects(genServer.start(ctx, echo, undefined, { name: 'undefined' }), badarg);
      assert.equal(ctx.whereis('undefined'), undefined);
      assert.equal(ctx.processInfo(ctx.self())?.registeredName, undefined, 'the caller holds no name');
      ctx.register('defined');
      assert.ok(ctx.whereis('defined')?.equals(ctx.self()));
    });
  });
});

test('register: a name that is not a non-empty string is badarg, for spawn as for register', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      assert.throws(() => ctx.register(''), badarg);
      assert.throws(() => ctx.spawn(async () => {}, { name: '' }), badarg);
      assert.throws(() => ctx.spawn(async () => {}, { name: 42 as unknown as string }), badarg);
      assert.equal(ctx.processes().length, 1, 'no process was spawned');
    });
  });
});
