// Cases mirroring OTP's lib/stdlib/test/ets_SUITE.erl, each named after the case it follows (the answers
// and badarg cases checked in erl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, TIMEOUT, isDown, isTableTransfer, messageIsolation, setMessageIsolation, _, type Pid, type ProcessContext, type TableTransfer } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const WAIT = 20_000;
const badarg = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg';
// ETS answers badarg with the cause access; this runtime names the cause in the code (docs/runtime.md).
const refused = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'access';

/** Runs `fn` in another process and returns its result (or the error it threw). */
async function inOther<T>(ctx: ProcessContext, fn: (c: ProcessContext) => T): Promise<T | { threw: unknown }> {
  const me = ctx.self();
  const tag = ctx.makeRef();
  ctx.spawn(async (c) => {
    try {
      c.send(me, { tag, result: fn(c) });
    } catch (threw) {
      c.send(me, { tag, result: { threw } });
    }
  });
  const m = await ctx.receive((x): x is { tag: unknown; result: T } => typeof x === 'object' && x !== null && 'tag' in x && x.tag === tag, WAIT);
  assert.notEqual(m, TIMEOUT);
  return (m as { result: T }).result;
}

test('ets_SUITE: t_insert_new — insertNew answers false for a key present (set and bag) and leaves the record; insertMany replaces per key', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const set = ctx.newTable<[string, number]>();
      assert.equal(set.insertNew(['k', 1]), true);
      assert.equal(set.insertNew(['k', 2]), false);
      assert.deepEqual(set.lookup('k'), [['k', 1]]);
      set.insertMany([['k', 3], ['j', 4]]);
      assert.deepEqual(set.lookup('k'), [['k', 3]]);
      const bag = ctx.newTable<[string, number]>({ type: 'bag' });
      bag.insert(['k', 1]);
      assert.equal(bag.insertNew(['k', 2]), false, 'a bag with the key refuses another record under it');
      assert.deepEqual(bag.lookup('k'), [['k', 1]]);
    });
  });
});

test('ets_SUITE: bag — the same record twice is kept once, records keep insertion order, deleteObject removes only the one given', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const bag = ctx.newTable<[string, number]>({ type: 'bag' });
      bag.insert(['k', 1]);
      bag.insert(['k', 1]);
      bag.insert(['k', 2]);
      bag.insert(['k', 0]);
      assert.deepEqual(bag.lookup('k'), [['k', 1], ['k', 2], ['k', 0]]);
      bag.deleteObject(['k', 1]);
      assert.deepEqual(bag.lookup('k'), [['k', 2], ['k', 0]]);
      bag.delete('missing');
      bag.delete('k');
      assert.deepEqual(bag.lookup('k'), []);
    });
  });
});

test('ets_SUITE: update_counter — a missing key, a non-number element, the key position and a bag are badarg; a default is inserted first', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const t = ctx.newTable<[string, number | string]>();
      t.insert(['n', 5]);
      t.insert(['s', 'x']);
      assert.equal(t.updateCounter('n', 2), 7);
      assert.equal(t.updateCounter('n', -10), -3);
      assert.throws(() => t.updateCounter('missing', 1), badarg);
      assert.throws(() => t.updateCounter('s', 1), badarg);
      assert.throws(() => t.updateCounter('n', 1, { pos: 0 }), badarg);
      assert.equal(t.updateCounter('fresh', 3, { default: ['fresh', 10] }), 13);
      assert.deepEqual(t.lookup('fresh'), [['fresh', 13]]);
      const bag = ctx.newTable<[string, number]>({ type: 'bag' });
      bag.insert(['k', 1]);
      assert.throws(() => bag.updateCounter('k', 1), badarg);
    });
  });
});

test('ets_SUITE: t_next — next of a key not in a set is badarg (also after deleting it mid-walk); in an orderedSet it is the following key; the end is undefined', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const set = ctx.newTable<[number, string]>();
      set.insertMany([[1, 'a'], [2, 'b']]);
      assert.throws(() => set.next(99), badarg);
      const bag = ctx.newTable<[number, string]>({ type: 'bag' });
      bag.insert([1, 'a']);
      bag.delete(1);
      assert.throws(() => bag.next(1), badarg, 'a walk that deleted its current key does not end silently');
      const keys: unknown[] = [];
      for (let k = set.first(); k !== undefined; k = set.next(k)) keys.push(k);
      assert.deepEqual(keys.sort(), [1, 2]);
      const ordered = ctx.newTable<[number, string]>({ type: 'orderedSet' });
      ordered.insertMany([[5, 'b'], [1, 'a']]);
      assert.equal(ordered.next(3), 5);
      assert.equal(ordered.prev(3), 1);
      assert.equal(ordered.next(5), undefined);
      assert.equal(ctx.newTable().first(), undefined);
    });
  });
});

test('ets_SUITE: t_prev / t_last — for a set, last is first and prev is next, as ETS answers for the unordered types', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const set = ctx.newTable<[number, string]>();
      set.insertMany([[1, 'a'], [2, 'b'], [3, 'c']]);
      const first = set.first();
      assert.equal(set.last(), first);
      assert.equal(set.prev(first), set.next(first));
      assert.throws(() => set.prev(99), badarg);
      assert.equal(ctx.newTable({ type: 'bag' }).last(), undefined);
    });
  });
});

test('ets_SUITE: t_delete_object / delete — deleting a missing key is fine; a dropped table is badarg for every operation', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const t = ctx.newTable<[string, number]>({ name: 'ets_suite2_dropped' });
      t.delete('nothing');
      t.drop();
      assert.throws(() => t.lookup('k'), badarg);
      assert.throws(() => t.insert(['k', 1]), badarg);
      assert.throws(() => ctx.table('ets_suite2_dropped'), badarg);
      ctx.newTable({ name: 'ets_suite2_dropped' }).drop();
    });
  });
});

test('ets_SUITE: delete/1 needs write access — any process may delete a public table; a protected one only its owner', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.newTable({ name: 'ets_suite2_public', access: 'public' }).insert(['k', 1]);
      const kept = ctx.newTable({ name: 'ets_suite2_protected' });
      const me = ctx.self();
      // Another process deletes each by name and reports what happened.
      ctx.spawn(async (c) => {
        const outcome = (name: string): string => {
          try {
            c.table(name).drop();
            return 'deleted';
          } catch (e) {
            return (e as { code?: string }).code ?? String(e);
          }
        };
        c.send(me, [outcome('ets_suite2_public'), outcome('ets_suite2_protected')]);
      });
      assert.deepEqual(await ctx.receive(), ['deleted', 'not_owner']);
      assert.throws(() => ctx.table('ets_suite2_public'), badarg, 'the public table is gone, its name free');
      assert.equal(kept.size, 0, 'the protected table is still there');
    });
  });
});

test('ets_SUITE: named_table — a second table under a taken name is badarg; the name is free again once the owner exits', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const [owner, ref] = ctx.spawnMonitor(async (c) => {
        c.newTable({ name: 'ets_suite2_named' });
        c.send(me, 'created');
        await c.receive();
      });
      await ctx.receive((m) => m === 'created', WAIT);
      assert.throws(() => ctx.newTable({ name: 'ets_suite2_named' }), badarg);
      const handle = ctx.table<[string, number]>('ets_suite2_named');
      ctx.exit(owner, 'kill');
      await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.throws(() => handle.lookup('k'), badarg, 'the table went with its owner');
      ctx.newTable({ name: 'ets_suite2_named' });
    });
  });
});

test('ets_SUITE: privacy — private tables refuse other processes, protected ones refuse their writes, public ones take both', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const priv = ctx.newTable<[string, number]>({ access: 'private' });
      const prot = ctx.newTable<[string, number]>();
      const pub = ctx.newTable<[string, number]>({ access: 'public' });
      for (const t of [priv, prot, pub]) t.insert(['k', 1]);
      const readPriv = await inOther(ctx, (c) => c.table<[string, number]>(priv.id).lookup('k'));
      assert.ok(typeof readPriv === 'object' && 'threw' in readPriv && refused(readPriv.threw), 'reading a private table');
      assert.deepEqual(await inOther(ctx, (c) => c.table<[string, number]>(prot.id).lookup('k')), [['k', 1]]);
      const writeProt = await inOther(ctx, (c) => c.table<[string, number]>(prot.id).insert(['k', 2]));
      assert.ok(typeof writeProt === 'object' && writeProt !== null && 'threw' in writeProt && refused(writeProt.threw), 'writing a protected table');
      await inOther(ctx, (c) => c.table<[string, number]>(pub.id).insert(['k', 2]));
      assert.deepEqual(pub.lookup('k'), [['k', 2]]);
    });
  });
});

test('ets_SUITE: give_away — to oneself, to a dead process or by a process that is not the owner is badarg; the new owner gets the transfer', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const t = ctx.newTable<[string, number]>();
      assert.throws(() => t.giveAway(ctx.self()), badarg);
      const [dead, ref] = ctx.spawnMonitor(async () => {});
      await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.throws(() => t.giveAway(dead), badarg);
      const me = ctx.self();
      const taker = ctx.spawn(async (c) => {
        const m = (await c.receive(isTableTransfer, WAIT)) as TableTransfer;
        c.send(me, { from: m.from, data: m.data });
        await c.receive();
      });
      const notOwner = await inOther(ctx, (c) => c.table(t.id).giveAway(taker));
      assert.ok(typeof notOwner === 'object' && notOwner !== null && 'threw' in notOwner && badarg(notOwner.threw));
      t.giveAway(taker, 'gift');
      const got = (await ctx.receive((m) => typeof m === 'object' && m !== null && 'data' in m, WAIT)) as { from: Pid; data: unknown };
      assert.equal(got.from, ctx.self());
      assert.equal(got.data, 'gift');
      assert.equal(t.info().owner, taker);
      assert.throws(() => t.insert(['k', 1]), refused, 'the old owner may no longer write a protected table');
      ctx.exit(taker, 'kill');
    });
  });
});

test('ets_SUITE: heir — the heir inherits the table when the owner dies; an heir dead by then means the table is deleted', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const [owner, ref] = ctx.spawnMonitor(async (c) => {
        const t = c.newTable<[string, number]>({ name: 'ets_suite2_heir', heir: { pid: me, data: 'yours' } });
        t.insert(['k', 1]);
        c.send(me, 'created');
        await c.receive();
      });
      await ctx.receive((m) => m === 'created', WAIT);
      ctx.exit(owner, 'kill');
      const m = (await ctx.receive(isTableTransfer, WAIT)) as TableTransfer;
      assert.equal(m.data, 'yours');
      await ctx.receive((x) => isDown(x, ref), WAIT);
      const t = ctx.table<[string, number]>('ets_suite2_heir');
      assert.equal(t.info().owner, ctx.self());
      t.insert(['k', 2]);

      const [heir, href] = ctx.spawnMonitor(async () => {});
      await ctx.receive((x) => isDown(x, href), WAIT);
      const [owner2, ref2] = ctx.spawnMonitor(async (c) => {
        c.newTable({ name: 'ets_suite2_heir2', heir: { pid: heir, data: null } });
        c.send(me, 'created2');
        await c.receive();
      });
      await ctx.receive((x) => x === 'created2', WAIT);
      ctx.exit(owner2, 'kill');
      await ctx.receive((x) => isDown(x, ref2), WAIT);
      assert.throws(() => ctx.table('ets_suite2_heir2'), badarg);
    });
  });
});

test('ets_SUITE: match / match_delete — `_` matches anything, a bound part must be equal; matchDelete answers how many went', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const t = ctx.newTable<[string, number, string]>({ type: 'orderedSet' });
      t.insertMany([['a', 1, 'x'], ['b', 2, 'y'], ['c', 1, 'y']]);
      assert.deepEqual(t.match([_, 1, _]), [['a', 1, 'x'], ['c', 1, 'y']]);
      assert.deepEqual(t.match(['b', _, 'y']), [['b', 2, 'y']]);
      assert.equal(t.matchDelete([_, _, 'y']), 2);
      assert.deepEqual(t.toList(), [['a', 1, 'x']]);
    });
  });
});

test('ets_SUITE: t_insert_list / lookup copies — with message isolation on, a record changed after insert or after lookup throws instead of changing the table', async () => {
  const was = messageIsolation();
  setMessageIsolation(true);
  try {
    await withNode(async (node) => {
      await node.run((ctx) => {
        const t = ctx.newTable<[string, number[]]>();
        const rec: [string, number[]] = ['k', [1]];
        t.insert(rec);
        assert.throws(() => rec[1].push(2), TypeError);
        const [got] = t.lookup('k');
        assert.throws(() => got![1].push(3), TypeError);
        assert.deepEqual(t.lookup('k'), [['k', [1]]]);
        const counters = ctx.newTable<[string, number]>();
        counters.insert(['c', 1]);
        assert.equal(counters.updateCounter('c', 1), 2, 'a frozen record is replaced, not changed, by updateCounter');
        assert.deepEqual(counters.lookup('c'), [['c', 2]]);
      });
    });
  } finally {
    setMessageIsolation(was);
  }
});
