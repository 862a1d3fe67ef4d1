// Cases translated from ERTS's exit-signal tests (exit/2 to trapping and non-trapping processes, exit to self,
// link to a dead process, unlink) and the receive timeouts of 0 and infinity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, isDown, isExit, type Down, type Exit, type Pid, type ProcessContext, type RuntimeError } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const badarg = (e: unknown): boolean => (e as RuntimeError).code === 'badarg';

// A process that reports itself ready (trapping or not), then reports every message it gets.
async function echoing(ctx: ProcessContext, trap: boolean): Promise<Pid> {
  const me = ctx.self();
  const pid = ctx.spawn(async (c) => {
    c.trapExit(trap);
    c.send(me, { ready: c.self() });
    for (;;) c.send(me, { got: await c.receive() });
  });
  await ctx.receive((m) => (m as { ready?: Pid }).ready === pid, 20_000);
  return pid;
}

test('exit_SUITE exit_2: killed sent with exit/2 is an ordinary reason: trapped as a message, else the death reason', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const trapping = await echoing(ctx, true);
      ctx.exit(trapping, 'killed');
      const got = (await ctx.receive((m) => typeof m === 'object' && m !== null && 'got' in m, 20_000)) as { got: Exit };
      assert.ok(isExit(got.got));
      assert.deepEqual([got.got.from, got.got.reason], [ctx.self(), 'killed']);
      assert.equal(ctx.isAlive(trapping), true);
      const plain = await echoing(ctx, false);
      const ref = ctx.monitor(plain);
      ctx.exit(plain, 'killed');
      assert.equal((await ctx.receive((m) => isDown(m, ref), 20_000) as Down).reason, 'killed');
      ctx.exit(trapping, 'kill');
    });
  });
});

test('exit_SUITE exit_2: exit(Pid, Reason) to a dead pid does nothing and is no error; a name instead of a pid is badarg', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [dead, ref] = ctx.spawnMonitor(async () => {});
      await ctx.receive((m) => isDown(m, ref), 20_000);
      ctx.exit(dead, 'kill');
      ctx.exit(dead, 'normal');
      ctx.register('named', ctx.self());
      assert.throws(() => ctx.exit('named' as never, 'kill'), badarg);
      assert.equal(await ctx.receive(null, 0), TIMEOUT);
    });
  });
});

test('exit_SUITE exit_self: trapping, exit(self(), Reason) is a message {EXIT, Self, Reason} even for killed; not trapping, the reason ends the caller', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      for (const reason of ['normal', 'foo', 'killed']) {
        ctx.exit(ctx.self(), reason);
        const m = (await ctx.receive(null, 0)) as Exit;
        assert.ok(isExit(m), `exit(self(), ${reason}) trapped`);
        assert.deepEqual([m.from, m.reason], [ctx.self(), reason]);
      }
    });
    for (const reason of ['foo', 'killed']) {
      const outcome = await node.run(async (ctx) => {
        ctx.exit(ctx.self(), reason);
        return 'lived on';
      }).catch((e: { reason?: unknown }) => e.reason);
      assert.equal(outcome, reason);
    }
  });
});

test('exit_SUITE link_to_dead: a link to a dead pid is noproc, and a link then unlink after a trapped exit leaves only the message', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [dead, ref] = ctx.spawnMonitor(async () => {});
      await ctx.receive((m) => isDown(m, ref), 20_000);
      assert.throws(() => ctx.link(dead), (e: RuntimeError) => e.code === 'noproc');
      ctx.trapExit(true);
      ctx.link(dead);
      const m = (await ctx.receive(isExit, 0)) as Exit;
      assert.deepEqual([m.from, m.reason], [dead, 'noproc']);
      const child = ctx.spawnLink(async (c) => c.exit('boom'));
      const e = (await ctx.receive(isExit, 20_000)) as Exit;
      ctx.unlink(child);
      assert.deepEqual([e.from, e.reason], [child, 'boom']);
      assert.deepEqual(ctx.processInfo(ctx.self())!.links, []);
    });
  });
});

test('exit_SUITE receive timeouts: 0 polls, Infinity waits for the message, and a string, -1 or NaN is badarg', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      assert.equal(await ctx.receive(null, 0), TIMEOUT);
      ctx.sendAfter(1, ctx.self(), 'late');
      assert.equal(await ctx.receive(null, Infinity), 'late');
      for (const bad of ['5', -1, NaN, null, { ms: 5 }]) {
        ctx.send(ctx.self(), 'waiting');
        assert.throws(() => void ctx.receive(null, bad as number), badarg, `receive timeout ${String(bad)}`);
        assert.equal(await ctx.receive(null, 0), 'waiting', 'the refused receive took nothing');
      }
    });
  });
});
