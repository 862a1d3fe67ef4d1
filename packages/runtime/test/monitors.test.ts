import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Down, isDown, TIMEOUT } from '@otp-ts/runtime';
import { withNode, idle, tick, inProcess } from './helpers.ts';

test('a monitor delivers DOWN with the exit reason and does not link', async () => {
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const [pid, ref] = ctx.spawnMonitor(async (c) => c.exit('bye'));
      const down = await ctx.receive((m) => isDown(m, ref));
      return [down.pid === pid, down.reason, down instanceof Down, ctx.isAlive(ctx.self())];
    });
    assert.deepEqual(got, [true, 'bye', true, true]);
  });
});

test('monitoring a dead process delivers DOWN with noproc at once', async () => {
  await withNode(async (node) => {
    const dead = node.spawn(async () => {});
    await tick();
    const reason = await node.run(async (ctx) => {
      const ref = ctx.monitor(dead);
      return (await ctx.receive((m) => isDown(m, ref), 0));
    });
    assert.ok(reason !== TIMEOUT && (reason as Down).reason === 'noproc');
  });
});

test('two monitors on one process give two DOWN messages with their own refs', async () => {
  await withNode(async (node) => {
    const target = node.spawn(idle);
    await tick();
    const refs = await node.run(async (ctx) => {
      const r1 = ctx.monitor(target);
      const r2 = ctx.monitor(target);
      ctx.exit(target, 'kill');
      const d1 = (await ctx.receive(isDown)) as Down;
      const d2 = (await ctx.receive(isDown)) as Down;
      return [d1.ref === r1, d2.ref === r2, d1.reason, d2.reason];
    });
    assert.deepEqual(refs, [true, true, 'killed', 'killed']);
  });
});

test('demonitor stops the DOWN message; with flush it also removes one already delivered', async () => {
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const a = ctx.spawn(idle);
      const ra = ctx.monitor(a);
      assert.equal(ctx.demonitor(ra), true);
      assert.equal(ctx.demonitor(ra), false);
      ctx.exit(a, 'kill');
      const none = await ctx.receive(isDown, 5);
      const b = ctx.spawn(idle);
      const rb = ctx.monitor(b);
      ctx.exit(b, 'kill');
      assert.equal(ctx.processInfo(ctx.self())!.messageQueueLen, 1);
      ctx.demonitor(rb, { flush: true });
      return [none, ctx.processInfo(ctx.self())!.messageQueueLen];
    });
    assert.deepEqual(got, [TIMEOUT, 0]);
  });
});

test('monitoring a registered name reports the name; an unknown name gives noproc', async () => {
  await withNode(async (node) => {
    node.spawn(idle, { name: 'db' });
    await tick();
    const got = await node.run(async (ctx) => {
      const ref = ctx.monitor('db');
      ctx.exit(ctx.whereis('db')!, 'shutdown');
      const d = (await ctx.receive((m) => isDown(m, ref))) as Down;
      const ref2 = ctx.monitor('nobody');
      const d2 = (await ctx.receive((m) => isDown(m, ref2))) as Down;
      return [d.pid, d.reason, d2.pid, d2.reason];
    });
    assert.deepEqual(got, ['db', 'shutdown', 'nobody', 'noproc']);
  });
});

test('a message sent before the sender died arrives before its DOWN', async () => {
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const me = ctx.self();
      const [, ref] = ctx.spawnMonitor(async (c) => {
        c.send(me, 'last words');
      });
      const first = await ctx.receive();
      const second = await ctx.receive();
      return [first, isDown(second, ref)];
    });
    assert.deepEqual(got, ['last words', true]);
  });
});

test('the monitors of a dead watcher are removed from their targets', async () => {
  await withNode(async (node) => {
    const target = node.spawn(idle);
    await tick();
    const watcher = node.spawn(async (ctx) => {
      ctx.monitor(target);
      await ctx.receive();
    });
    await tick();
    assert.deepEqual(node.processInfo(target)!.monitoredBy, [watcher]);
    node.exit(watcher, 'kill');
    assert.deepEqual(node.processInfo(target)!.monitoredBy, []);
  });
});

test('a process holding many monitors takes them down in any order: each demonitor answers true once, and only the monitors left send DOWN (property)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.array(fc.nat(), { maxLength: 60 }), fc.integer({ min: 0, max: 20 }), async (count, picks, watchedBy) => {
      await inProcess(async (ctx) => {
        const targets = Array.from({ length: count }, () => ctx.spawn(async (c) => void (await c.receive())));
        // Others monitor this process too: its monitor list mixes the ones it holds with the ones on it.
        const me = ctx.self();
        const watchers = Array.from({ length: watchedBy }, () =>
          ctx.spawn(async (c) => {
            c.monitor(me);
            c.send(me, 'watching');
            await c.receive();
          }),
        );
        for (let i = 0; i < watchedBy; i++) await ctx.receive((m) => m === 'watching', 30_000);
        const refs = targets.map((t) => ctx.monitor(t));
        const live = new Set(refs);
        for (const p of picks) {
          const ref = refs[p % refs.length]!;
          assert.equal(ctx.demonitor(ref), live.delete(ref), 'demonitor answers whether the monitor was active');
        }
        for (const t of targets) ctx.exit(t, 'kill');
        const downs = new Set<unknown>();
        for (let i = 0; i < live.size; i++) downs.add(((await ctx.receive((m) => m instanceof Down, 30_000)) as Down).ref);
        assert.deepEqual(downs, live);
        assert.equal(await ctx.receive((m) => m instanceof Down && refs.includes(m.ref), 0), TIMEOUT, 'no DOWN of a monitor taken down');
        for (const w of watchers) ctx.exit(w, 'kill');
      });
    }),
    { numRuns: 60 },
  );
});
