// Cases mirroring OTP's process and signal semantics (link/1's documented noproc failure, exit/2, trap_exit),
// each named after the OTP case or documented behaviour it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, genServer, isDown, isExit, noreply, ok, type Exit, type GenServer } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

test('erlang:link/1 noproc: a caller not trapping exits that does not catch the noproc error exits with reason noproc, seen by its monitor and its trapping link', async () => {
  await withNode(async (node, crashes) => {
    await node.run(async (ctx) => {
      const [dead, deadRef] = ctx.spawnMonitor(async () => {});
      await ctx.receive((m) => isDown(m, deadRef));
      ctx.trapExit(true);
      const [pid, ref] = ctx.spawnMonitor(async (c) => {
        c.link(ctx.self());
        c.link(dead);
      });
      const down = await ctx.receive((m) => isDown(m, ref));
      assert.ok(isDown(down));
      assert.equal(down.reason, 'noproc', 'the DOWN carries noproc, not the error object');
      const exit = (await ctx.receive((m) => isExit(m) && m.from === pid)) as Exit;
      assert.equal(exit.reason, 'noproc', 'the link partner gets noproc');
    });
    assert.equal(crashes.length, 1, 'the uncaught error is still reported as a crash');
    assert.ok(crashes[0]![1] instanceof RuntimeError && (crashes[0]![1] as RuntimeError).code === 'noproc');
  });
});

test('erlang:link/1 noproc: a gen_server callback that links to a dead pid uncaught stops the server with reason noproc', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [dead, deadRef] = ctx.spawnMonitor(async () => {});
      await ctx.receive((m) => isDown(m, deadRef));
      const linker: GenServer<null, never, 'go'> = {
        init: () => ok(null),
        handleCast: (_msg, state, c) => {
          c.link(dead);
          return noreply(state);
        },
      };
      const server = await genServer.start(ctx, linker, undefined);
      const ref = ctx.monitor(server);
      genServer.cast(ctx, server, 'go');
      const down = await ctx.receive((m) => isDown(m, ref));
      assert.ok(isDown(down));
      assert.equal(down.reason, 'noproc');
    });
  });
});
