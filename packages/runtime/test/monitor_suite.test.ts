// Cases translated from ERTS's monitor_SUITE (erts/emulator/test): monitors of live, dead and named processes,
// demonitor's answers and its flush and info options, and the errors of both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, isDown, type Down, type RuntimeError } from '@otp-ts/runtime';
import { withNode, idle } from './helpers.ts';

const badarg = (e: unknown): boolean => (e as RuntimeError).code === 'badarg';

test('monitor_SUITE case_2: B demonitors a monitor A made (not its own): answers false, and A still gets DOWN normal', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const b = ctx.spawn(async (c) => {
        const r = await c.receive();
        c.send(me, { answer: c.demonitor(r as never) });
      });
      const ref = ctx.monitor(b);
      ctx.send(b, ref);
      assert.deepEqual(await ctx.receive((m) => typeof m === 'object' && m !== null && 'answer' in m, 20_000), { answer: false });
      const down = (await ctx.receive((m) => isDown(m, ref), 20_000)) as Down;
      assert.equal(down.pid, b);
      assert.equal(down.reason, 'normal');
    });
  });
});

test('monitor_SUITE mon_1: DOWN carries normal, another reason, noproc for a dead pid, and a name monitored alive and dead', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [p2, r2] = ctx.spawnMonitor(async () => {});
      assert.deepEqual([(await ctx.receive((m) => isDown(m, r2), 20_000) as Down).reason, p2 !== undefined], ['normal', true]);
      const p3 = ctx.spawn(idle);
      const r3 = ctx.monitor(p3);
      ctx.exit(p3, 'frop');
      assert.equal((await ctx.receive((m) => isDown(m, r3), 20_000) as Down).reason, 'frop');
      const r4 = ctx.monitor(p3);
      const d4 = (await ctx.receive((m) => isDown(m, r4), 0)) as Down;
      assert.deepEqual([d4.pid, d4.reason], [p3, 'noproc'], 'a dead pid is DOWN noproc at once');
      const jeeves = ctx.spawn(idle, { name: 'jeeves' });
      const r5 = ctx.monitor('jeeves');
      ctx.exit(jeeves, 'frop');
      const d5 = (await ctx.receive((m) => isDown(m, r5), 20_000)) as Down;
      assert.deepEqual([d5.pid, d5.reason], ['jeeves', 'frop']);
      const r7 = ctx.monitor('jeeves');
      const d7 = (await ctx.receive((m) => isDown(m, r7), 0)) as Down;
      assert.deepEqual([d7.pid, d7.reason], ['jeeves', 'noproc'], 'a name nobody holds is DOWN noproc at once');
    });
  });
});

test('monitor_SUITE demon_2: demonitor of a self monitor answers true then false; demonitor before the exit means no DOWN', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const r1 = ctx.monitor(ctx.self());
      assert.equal(ctx.demonitor(r1), true);
      assert.equal(ctx.demonitor(r1), false, 'the extra demonitor finds nothing (the info answer)');
      assert.equal(ctx.demonitor(r1, { info: false }), true, 'without info OTP answers true whatever happened');
      const p4 = ctx.spawn(idle);
      const r4 = ctx.monitor(p4);
      ctx.demonitor(r4);
      ctx.exit(p4, 'frop');
      const watcher = ctx.monitor(p4);
      await ctx.receive((m) => isDown(m, watcher), 20_000);
      assert.equal(await ctx.receive((m) => isDown(m, r4), 0), TIMEOUT);
    });
  });
});

test('monitor_SUITE demonitor_flush: flush drops the DOWN, flush twice is fine, no flush keeps it; a bad option is badarg', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      assert.throws(() => ctx.demonitor(ctx.makeRef(), 'flush' as never), badarg, 'OTP: demonitor(Ref, flush) is badarg');
      assert.throws(() => ctx.demonitor(ctx.makeRef(), { flus: true } as never), badarg, 'OTP: demonitor(Ref, [flus]) is badarg');
      assert.throws(() => ctx.demonitor(ctx.makeRef(), { flush: 'yes' } as never), badarg);
      assert.throws(() => ctx.demonitor('x' as never, { flush: true }), badarg);
      const p = ctx.spawn(idle);
      const [m1, m2, m3, m4] = [ctx.monitor(p), ctx.monitor(p), ctx.monitor(p), ctx.monitor(p)];
      const m5 = ctx.monitor(p);
      assert.throws(() => ctx.demonitor(m5, { flsh: true } as never), badarg);
      assert.equal(ctx.demonitor(m5, { flush: true }), true, 'the refused call removed nothing');
      assert.equal(ctx.demonitor(m1, { flush: true }), true);
      ctx.exit(p, 'bang');
      assert.equal((await ctx.receive((m) => isDown(m, m2), 20_000) as Down).reason, 'bang');
      await ctx.receive((m) => isDown(m, m4), 20_000).then((d) => ctx.send(ctx.self(), d));
      assert.equal(ctx.demonitor(m3, { flush: true, info: true }), false, 'with info and flush: false when a flush was needed');
      assert.equal(ctx.demonitor(m4, {}), false);
      assert.equal((await ctx.receive((m) => isDown(m, m4), 0) as Down).reason, 'bang', 'no flush keeps the DOWN');
      assert.equal(await ctx.receive((m) => isDown(m) && (m.ref === m1 || m.ref === m3 || m.ref === m5), 0), TIMEOUT);
    });
  });
});

test('monitor_SUITE local_remove_monitor: demonitor info answers true and no DOWN follows, or false and the DOWN is queued', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const refs = Array.from({ length: 200 }, () => ctx.monitor(ctx.spawn(async () => {})));
      // Let some of the targets run and exit before the demonitors: either answer must hold for each.
      await ctx.sleep(1);
      for (const ref of refs) {
        if (ctx.demonitor(ref, { info: true })) {
          assert.equal(await ctx.receive((m) => isDown(m, ref), 0), TIMEOUT, 'down_msg_found');
        } else {
          assert.notEqual(await ctx.receive((m) => isDown(m, ref), 0), TIMEOUT, 'no_down_msg_found');
        }
      }
    });
  });
});

test('monitor_SUITE large_exit: a large exit reason arrives whole in the DOWN message', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const reason = { big: ['tuple', 'with', ['list', 4563784278n]], bin: Buffer.alloc(100_000, 7) };
      const [, ref] = ctx.spawnMonitor(async (c) => c.exit(reason));
      assert.equal((await ctx.receive((m) => isDown(m, ref), 20_000) as Down).reason, reason);
    });
  });
});
