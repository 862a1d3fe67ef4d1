// Cases mirroring OTP's erts/emulator/test suites on process primitives, each named after the case it follows
// (link_to_dead lives in distribution_SUITE; these are its local half).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pid, RuntimeError, TIMEOUT, isExit, supervisor, type Exit } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

test('distribution_SUITE link_to_dead (local): not trapping exits, link to a dead pid raises a catchable noproc and the caller lives on', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [dead, ref] = ctx.spawnMonitor(async () => {});
      await ctx.receive((m) => m !== null && typeof m === 'object' && 'ref' in m && m.ref === ref);
      assert.throws(() => ctx.link(dead), (e: RuntimeError) => e instanceof RuntimeError && e.code === 'noproc');
      assert.ok(ctx.isAlive(ctx.self()), 'the caller survives the caught error');
      assert.deepEqual(ctx.processInfo(ctx.self())!.links, [], 'no link was made');
      assert.equal(await ctx.receive(null, 0), TIMEOUT, 'no exit signal or message follows');
    });
  });
});

test('distribution_SUITE link_to_dead (local): trapping exits, link to a dead pid delivers {EXIT, Pid, noproc}', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const [dead, ref] = ctx.spawnMonitor(async () => {});
      await ctx.receive((m) => m !== null && typeof m === 'object' && 'ref' in m && m.ref === ref);
      ctx.link(dead);
      const m = await ctx.receive(isExit, 20_000);
      assert.notEqual(m, TIMEOUT);
      assert.equal((m as Exit).from, dead);
      assert.equal((m as Exit).reason, 'noproc');
    });
  });
});

test('process_SUITE is_process_alive: a pid of another node is badarg naming it, and a supervisor given one does not crash', async () => {
  await withNode(async (node) => {
    const out = await node.run(async (ctx) => {
      const remote = new Pid(1, 42, 0);
      let error: unknown;
      try {
        ctx.isAlive(remote);
      } catch (e) {
        error = e;
      }
      const sup = await supervisor.startLink(ctx, { init: () => ({ flags: { strategy: 'simpleOneForOne' }, children: [{ id: 'w', start: (c) => c.spawnLink(async (w) => void (await w.receive(() => false))) }] }) }, undefined);
      // A supervisor asked about a pid it cannot own answers not found (OTP's {error, not_found}) and lives on.
      const answer = await supervisor.terminateChild(ctx, sup, remote).then(() => 'ok', (e: Error) => e.message);
      return { error, answer, supAlive: ctx.isAlive(sup) };
    });
    assert.ok(out.error instanceof RuntimeError && out.error.code === 'badarg', String(out.error));
    assert.match((out.error as Error).message, /<1\.42\.0>.*monitor/);
    assert.equal(out.supAlive, true);
    assert.match(out.answer, /no child <1\.42\.0>/);
  });
});
