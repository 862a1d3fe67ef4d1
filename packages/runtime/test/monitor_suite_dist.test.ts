// The distributed cases of OTP's monitor_SUITE (demon_3, mon_2, and a node that stops while monitored),
// translated: the monitored processes live on a peer node that is a real OS process, killed where a case has the
// node go away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDown, rpc, NodeDown, type Down, type Pid } from '@otp-ts/runtime';
import { leftovers, withSuitePeer } from './helpers.ts';

test('monitor_SUITE demon_3: a demonitored remote process that then exits sends no DOWN; demonitor answers true then false', { timeout: 120_000 }, async () => {
  await withSuitePeer('demon3', 'mon-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      const pid = (await rpc.call(ctx, peer, 'suite', 'start', [null])) as Pid;
      const ref = ctx.monitor(pid);
      assert.equal(ctx.demonitor(ref), true);
      assert.equal(ctx.demonitor(ref), false);
      const watch = ctx.monitor(pid);
      ctx.exit(pid, 'kill');
      const down = (await ctx.receive((m) => isDown(m, watch), 30_000)) as Down;
      assert.equal(down.reason, 'killed');
      // Anything the demonitored monitor could still send has come by now: the peer answered after the exit.
      assert.equal(await rpc.call(ctx, peer, 'suite', 'echo', ['after']), 'after');
      assert.deepEqual((await leftovers(ctx)).filter((m) => isDown(m, ref)), []);
    });
  });
});

test('monitor_SUITE mon_2 remote: monitoring a dead remote pid or an unheld { name, node } gives DOWN noproc at once', { timeout: 120_000 }, async () => {
  await withSuitePeer('mon2', 'mon-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      const pid = (await rpc.call(ctx, peer, 'suite', 'start', [null])) as Pid;
      const gone = ctx.monitor(pid);
      ctx.exit(pid, 'kill');
      await ctx.receive((m) => isDown(m, gone), 30_000);
      const again = ctx.monitor(pid);
      assert.equal(((await ctx.receive((m) => isDown(m, again), 30_000)) as Down).reason, 'noproc');
      const byName = ctx.monitor({ name: 'nobody_here', node: peer });
      assert.equal(((await ctx.receive((m) => isDown(m, byName), 30_000)) as Down).reason, 'noproc');
    });
  });
});

test('monitor_SUITE: a node that stops while monitored sends DOWN noconnection for each monitor of its processes, by pid and by name; a monitor made after is DOWN noconnection at once', { timeout: 120_000 }, async () => {
  await withSuitePeer('monstop', 'mon-dist', async (a, peer, kill) => {
    await a.run(async (ctx) => {
      const pid = (await rpc.call(ctx, peer, 'suite', 'start', ['held'])) as Pid;
      const byPid = ctx.monitor(pid);
      const byName = ctx.monitor({ name: 'held', node: peer });
      ctx.monitorNode(peer);
      kill();
      await ctx.receive((m) => m instanceof NodeDown, 30_000);
      const d1 = (await ctx.receive((m) => isDown(m, byPid), 30_000)) as Down;
      const d2 = (await ctx.receive((m) => isDown(m, byName), 30_000)) as Down;
      assert.deepEqual([d1.reason, d2.reason], ['noconnection', 'noconnection']);
      const late = ctx.monitor(pid);
      assert.equal(((await ctx.receive((m) => isDown(m, late), 30_000)) as Down).reason, 'noconnection');
      const lateName = ctx.monitor({ name: 'held', node: peer });
      assert.equal(((await ctx.receive((m) => isDown(m, lateName), 30_000)) as Down).reason, 'noconnection');
    });
  });
});
