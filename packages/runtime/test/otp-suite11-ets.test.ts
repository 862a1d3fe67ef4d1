// Cases after OTP's ets_SUITE that the other table suites do not walk: safe_fixtable (a first/next walk of a fixed
// set or bag survives deletes and inserts, info reports the fixation, an exiting fixer releases it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareTerms, RuntimeError, type Pid } from '@otp-ts/runtime';
import { ended, inProcess } from './helpers.ts';

const badarg = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg';

test('ets_SUITE fixtable_next: a fixed set or bag is walked by first/next across deletes, each key once', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'bag', 'duplicateBag'] as const) {
      const t = ctx.newTable<[number, string]>({ type });
      for (let i = 0; i < 20; i++) t.insert([i, 'x']);
      t.safeFixtable(true);
      const seen: number[] = [];
      for (let k = t.first() as number | undefined; k !== undefined; k = t.next(k) as number | undefined) {
        seen.push(k);
        t.delete(k);
        t.insert([100 + k, 'new']);
        t.delete(100 + k);
      }
      t.safeFixtable(false);
      assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i), `${type}: every key once`);
      assert.equal(t.size, 0, type);
    }
  });
});

test('ets_SUITE fixtable_next: next from a key deleted while fixed goes on; unfixed, the same next is badarg', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[string, number]>({ type: 'set' });
    t.insertMany([['a', 1], ['b', 2], ['c', 3]]);
    t.safeFixtable(true);
    const first = t.first() as string;
    t.delete(first);
    const second = t.next(first) as string;
    assert.notEqual(second, undefined);
    assert.notEqual(second, first);
    t.delete(second);
    const third = t.next(second) as string;
    assert.deepEqual(new Set([first, second, third]), new Set(['a', 'b', 'c']));
    assert.equal(t.next(third), undefined);
    t.safeFixtable(false);
    assert.throws(() => t.next(first), badarg, 'released: a deleted key is badarg again');
  });
});

test('ets_SUITE info(fixed/safe_fixed): fixes count per process, info tells who and since when, a false without a fix is ignored', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[number]>({ type: 'set', access: 'public' });
    assert.equal(t.info().fixed, false);
    assert.equal(t.info().safeFixed, false);
    t.safeFixtable(false);
    assert.equal(t.info().fixed, false, 'a release without a fix does nothing');
    const before = Date.now();
    t.safeFixtable(true);
    t.safeFixtable(true);
    const info = t.info();
    assert.equal(info.fixed, true);
    assert.ok(info.safeFixed !== false);
    assert.ok(info.safeFixed.since >= before && info.safeFixed.since <= Date.now());
    assert.deepEqual(info.safeFixed.fixers, [[ctx.self(), 2]]);
    t.safeFixtable(false);
    assert.deepEqual((t.info().safeFixed as { fixers: unknown }).fixers, [[ctx.self(), 1]]);
    t.safeFixtable(false);
    assert.equal(t.info().fixed, false);
    assert.throws(() => t.safeFixtable('yes' as unknown as boolean), badarg);
  });
});

test('ets_SUITE fixtable: a fixing process that exits releases its fixes; the owner\'s own fix stays', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[number]>({ type: 'set', access: 'public', name: 'fixed_by_other' });
    t.safeFixtable(true);
    const me = ctx.self();
    const other: Pid = ctx.spawn(async (c) => {
      c.table('fixed_by_other').safeFixtable(true);
      c.send(me, 'fixed');
      await c.receive((m) => m === 'go');
    });
    await ctx.receive((m) => m === 'fixed');
    const both = t.info().safeFixed;
    assert.deepEqual(new Set(both === false ? [] : both.fixers.map(([p]) => String(p))), new Set([String(me), String(other)]));
    ctx.send(other, 'go');
    await ended(ctx, other);
    assert.deepEqual((t.info().safeFixed as { fixers: unknown }).fixers, [[me, 1]]);
    t.safeFixtable(false);
    assert.equal(t.info().fixed, false);
  });
});

test('ets_SUITE ordered_set keys: Maps and Sets with composite keys order by term order of those keys, not by their text', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[unknown, string]>({ type: 'orderedSet' });
    t.insertMany([
      [new Map([[[10], 'v']]), 'map10'],
      [new Map([[[9], 'v']]), 'map9'],
      [new Set([{ n: 10 }]), 'set10'],
      [new Set([{ n: 9 }]), 'set9'],
      [new Map([[[2], 'v'], [[10], 'w']]), 'map2-10'],
      [new Map([[[3], 'v'], [[9], 'w']]), 'map3-9'],
    ]);
    // Maps before Sets; one-key maps before two-key ones; [9] < [10] and then [2] < [3] as tuples of numbers.
    assert.deepEqual(t.toList().map((r) => r[1]), ['map9', 'map10', 'map2-10', 'map3-9', 'set9', 'set10']);
    assert.ok(compareTerms(new Map([[[9], 1]]), new Map([[[10], 1]])) < 0);
    assert.ok(compareTerms(new Set([[1, 'b'], [2, 'a']]), new Set([[1, 'c'], [2, 'a']])) < 0, 'the smallest keys first: [1, "b"] < [1, "c"]');
    // A Map that holds itself as a key still compares, and equal to itself.
    const self = new Map<unknown, unknown>();
    self.set([self], 1);
    const other = new Map<unknown, unknown>();
    other.set([other], 1);
    assert.equal(typeof compareTerms(self, new Map([[[1], 1]])), 'number');
    assert.equal(compareTerms(self, self), 0);
    assert.equal(compareTerms(self, other), 0, 'two maps that hold themselves the same way are equal');
  });
});

test('ets_SUITE t_insert_new: a list is inserted all or nothing — one key already there and none of them goes in, in every type', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'orderedSet', 'bag', 'duplicateBag'] as const) {
      const t = ctx.newTable<[number, string]>({ type });
      assert.equal(t.insertNewMany([[1, 'a'], [2, 'b']]), true, type);
      assert.equal(t.insertNewMany([[3, 'c'], [2, 'again'], [4, 'd']]), false, `${type}: key 2 is there`);
      assert.deepEqual(t.toList().sort((x, y) => x[0] - y[0]), [[1, 'a'], [2, 'b']], `${type}: nothing of the refused list went in`);
      assert.throws(() => t.insertNewMany([[5, 'e'], {} as [number, string]]), badarg, `${type}: a record without a key is badarg`);
      assert.equal(t.member(5), false, `${type}: and nothing of that list went in either`);
      assert.equal(t.insertNewMany([]), true);
    }
  });
});

test('ets_SUITE firstnext: a first/next walk of a set or bag takes one step a key (no scan from the start at each next), and gives every key once', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'bag'] as const) {
      const n = 4000;
      const t = ctx.newTable<[number, number]>({ type });
      for (let i = 0; i < n; i++) t.insert([i, i]);
      // Counts the steps of every Map key walk made during the table walk (the table's data is a Map).
      const keys = Map.prototype.keys;
      let steps = 0;
      Map.prototype.keys = function (this: Map<unknown, unknown>) {
        const it = keys.call(this);
        return Object.assign(Object.create(Object.getPrototypeOf(it) as object), { next: () => (steps++, it.next()) }) as ReturnType<typeof keys>;
      };
      const seen: number[] = [];
      try {
        for (let k = t.first() as number | undefined; k !== undefined; k = t.next(k) as number | undefined) seen.push(k);
      } finally {
        Map.prototype.keys = keys;
      }
      assert.equal(new Set(seen).size, n, type);
      assert.ok(steps <= 3 * n, `${type}: ${steps} steps for ${n} keys`);
      // Deleting each key after stepping past it still walks them all (the walk goes on from the next key).
      const again: number[] = [];
      for (let k = t.first() as number | undefined; k !== undefined; ) {
        const next = t.next(k) as number | undefined;
        again.push(k);
        t.delete(k);
        k = next;
      }
      assert.equal(again.length, n, type);
    }
  });
});

test('ets_SUITE rename: a named table answers to its new name only; a taken name or a bad name is badarg', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'orderedSet', 'bag', 'duplicateBag'] as const) {
      const t = ctx.newTable<[string, string]>({ type, name: 'foobazz', access: 'public' });
      t.insert(['foo', 'bazz']);
      assert.equal(t.rename('ungermanbazz'), 'ungermanbazz');
      assert.throws(() => ctx.table('foobazz'), badarg, `${type}: the old name no longer opens it`);
      assert.deepEqual(ctx.table<[string, string]>('ungermanbazz').lookup('foo'), [['foo', 'bazz']]);
      assert.equal(t.name, 'ungermanbazz');
      assert.equal(t.info().name, 'ungermanbazz');
      const other = ctx.newTable({ name: 'foobazz' });
      assert.throws(() => t.rename('foobazz'), badarg, 'a taken name');
      assert.throws(() => t.rename('' as string), badarg);
      const reused = ctx.newTable({ name: 'x2' });
      assert.equal(ctx.table('ungermanbazz').id, t.id, 'the failed renames left the name');
      other.drop();
      reused.drop();
      t.drop();
      assert.throws(() => ctx.table('ungermanbazz'), badarg, `${type}: a dropped table's new name is free`);
    }
  });
});

test('ets_SUITE rename_unnamed: an unnamed table takes the new name in info only; nothing opens it by name, a named table of that name is untouched', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'orderedSet', 'bag', 'duplicateBag'] as const) {
      const t = ctx.newTable<[string, string]>({ type, access: 'public' });
      assert.equal(t.rename('ellinor'), 'ellinor');
      assert.equal(t.name, 'ellinor');
      assert.equal(t.info().name, 'ellinor');
      assert.throws(() => ctx.table('ellinor'), badarg, `${type}: an unnamed table is not opened by its name`);
      const named = ctx.newTable<[string]>({ name: 'ellinor' });
      assert.equal(t.rename('ellinor'), 'ellinor', 'a name a named table holds is no conflict for an unnamed one');
      t.insert(['foo', 'bar']);
      t.drop();
      assert.equal(ctx.table('ellinor').id, named.id, `${type}: dropping the unnamed table left the named one's name`);
      named.drop();
    }
  });
});
