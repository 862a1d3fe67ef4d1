// table.slot(i) (ets:slot/2) walked over a big table and over one that changes between calls, fixed or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, type Table } from '@otp-ts/runtime';
import { inProcess } from './helpers.ts';

const badarg = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg';

// Every record of a walk over slots 0, 1, … up to the end ('$end_of_table'), and how many slots it took.
function walk<R>(t: Table<R>): { records: R[]; slots: number } {
  const records: R[] = [];
  let i = 0;
  for (let s = t.slot(0); s !== undefined; s = t.slot(++i)) records.push(...s);
  return { records, slots: i };
}

// A walk at a cost quadratic in the rows would not end for minutes: the timeout is a margin, not a measure.
test('a slot walk over 50 000 rows of a set and of a bag ends, with each record once', { timeout: 120_000 }, async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'bag'] as const) {
      const t = ctx.newTable<[number, number]>({ type });
      for (let i = 0; i < 50_000; i++) t.insert([i, i * 2]);
      const { records, slots } = walk(t);
      assert.equal(slots, 50_000, type);
      assert.equal(records.length, 50_000, type);
      assert.ok(records.every(([k, v], i) => k === i && v === i * 2), `${type}: each record once, in insertion order`);
      t.drop();
    }
  });
});

test('an unfixed set: slot i is always the i-th key now, across inserts, overwrites, deletes and a walk back', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[string, number]>({ type: 'set' });
    for (const k of ['a', 'b', 'c', 'd', 'e']) t.insert([k, 0]);
    assert.deepEqual(t.slot(0), [['a', 0]]);
    assert.deepEqual(t.slot(1), [['b', 0]]);
    // An insert of a new key goes at the end; an overwrite keeps its key's place: the walk goes on unshifted.
    t.insert(['f', 0]);
    t.insert(['c', 1]);
    assert.deepEqual(t.slot(2), [['c', 1]], 'the overwritten record, where its key was');
    assert.deepEqual(t.slot(3), [['d', 0]]);
    // A delete before the walk's place moves the later keys down by one, as a fresh count shows.
    t.delete('a');
    assert.deepEqual(t.slot(3), [['e', 0]], 'slot 3 of the table as it is now');
    assert.deepEqual(t.slot(4), [['f', 0]]);
    assert.equal(t.slot(5), undefined, "'$end_of_table' at the number of keys now");
    assert.throws(() => t.slot(6), badarg);
    assert.deepEqual(t.slot(0), [['b', 0]], 'a walk back starts again');
    t.deleteAllObjects();
    assert.equal(t.slot(0), undefined, 'cleared: the end at once');
  });
});

test('a fixed set or bag: a walk that deletes what it read and inserts new keys visits each key once; a deleted key leaves its slot empty', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'bag', 'duplicateBag'] as const) {
      const t = ctx.newTable<[number, string]>({ type });
      for (let k = 0; k < 10; k++) t.insert([k, 'old']);
      if (type !== 'set') t.insert([3, 'also']);
      t.safeFixtable(true);
      const seen: Array<[number, string]> = [];
      let i = 0;
      for (let s = t.slot(0); s !== undefined; s = t.slot(++i)) {
        seen.push(...s);
        for (const [k] of s) t.delete(k);
        // New keys, inserted while fixed, come at the end of the walk, each once.
        if (i < 3) t.insert([100 + i, 'new']);
      }
      const keys = seen.map(([k]) => k);
      assert.deepEqual([...new Set(keys)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100, 101, 102], `${type}: each key once, the inserted ones last`);
      assert.equal(seen.length, type === 'set' ? 13 : 14, `${type}: every record`);
      assert.equal(i, 13, `${type}: the end after the last key the fixed table held`);
      assert.equal(t.size, 0, type);
      // A key deleted while fixed keeps its slot, empty, until the fix is released.
      assert.deepEqual(t.slot(0), [], `${type}: the emptied slot`);
      t.safeFixtable(false);
      assert.equal(t.slot(0), undefined, `${type}: released, the empty table ends at slot 0`);
      assert.throws(() => t.slot(1), badarg, type);
    }
  });
});

test('a fixed set or bag: a slot walk that inserts a new key at each step ends, each key it met once', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'bag'] as const) {
      const t = ctx.newTable<[number, string]>({ type });
      for (let k = 0; k < 10; k++) t.insert([k, 'old']);
      t.safeFixtable(true);
      const keys: number[] = [];
      // Bounded, so a walk that never ends fails here rather than hanging the run.
      let i = 0;
      for (let s = t.slot(0); s !== undefined && i < 1000; s = t.slot(++i)) {
        keys.push(...s.map(([k]) => k));
        t.insert([1000 + i, 'new']);
      }
      assert.ok(i < 1000, `${type}: the walk ended (it was still going at slot ${i})`);
      assert.deepEqual(keys.slice(0, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], `${type}: every key held when the walk began`);
      assert.equal(new Set(keys).size, keys.length, `${type}: each key once`);
      // Slot 0 again begins a new walk, over every key the fixed table holds now.
      const again: number[] = [];
      i = 0;
      for (let s = t.slot(0); s !== undefined && i < 1000; s = t.slot(++i)) again.push(...s.map(([k]) => k));
      assert.equal(again.length, t.size, `${type}: a new walk meets every key`);
      t.safeFixtable(false);
      t.drop();
    }
  });
});
