// Cases after OTP's lib/stdlib/test/ets_SUITE.erl that the other table suites do not walk, each named after its case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eq, matchSpec, RuntimeError } from '@otp-ts/runtime';
import { inProcess } from './helpers.ts';

const badarg = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg';

test('ets_SUITE t_named_select: a continuation of a named table dropped (and made again under its name) is badarg; one of a table renamed since goes on', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'orderedSet'] as const) {
      const ms = matchSpec<[number, number]>().where((r) => eq(r[1], 22)).select((r) => r[0]);
      const t = ctx.newTable<[number, number]>({ name: 't_name_tid_select', type });
      t.insertMany([[1, 11], [2, 22], [3, 33]]);
      const first = t.select(ms, 1)!;
      assert.deepEqual(first.rows, [2], type);
      t.drop();
      assert.throws(() => t.select(first.continuation), badarg, `${type}: the table is gone`);
      const again = ctx.newTable<[number, number]>({ name: 't_name_tid_select', type });
      assert.throws(() => again.select(first.continuation), badarg, `${type}: another table under the same name`);
      for (const r of [[1, 22], [2, 22], [4, 22]] as Array<[number, number]>) assert.equal(again.insertNew(r), true);
      const chunk = again.select(ms, 2)!;
      again.rename('abcd');
      const rest = again.select(chunk.continuation);
      const all = [...chunk.rows, ...(rest?.rows ?? [])];
      assert.equal(all.reduce((a, b) => a + b, 0), 7, `${type}: each matching key once across the rename`);
      assert.equal(rest?.continuation === undefined ? undefined : again.select(rest.continuation), undefined, `${type}: then the end`);
      again.drop();
    }
  });
});

test('ets_SUITE fixtable_insert: a key inserted during a fixed first/next walk is visited once, after the keys there before', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[number]>({ type: 'set' });
    t.insertMany([[1], [2]]);
    t.safeFixtable(true);
    const seen: unknown[] = [];
    for (let k = t.first(); k !== undefined; k = t.next(k)) {
      seen.push(k);
      if (k === 1) t.insert([3]);
    }
    t.safeFixtable(false);
    assert.deepEqual(seen, [1, 2, 3]);
  });
});

test('ets_SUITE lookup_order: a bag and a duplicateBag answer a key\'s records in insertion order, a record deleted and inserted again coming last', async () => {
  await inProcess(async (ctx) => {
    const bag = ctx.newTable<[string, number]>({ type: 'bag' });
    bag.insertMany([['k', 1], ['k', 2], ['k', 3]]);
    bag.deleteObject(['k', 2]);
    bag.insert(['k', 2]);
    bag.insert(['k', 1]);
    assert.deepEqual(bag.lookup('k'), [['k', 1], ['k', 3], ['k', 2]], 'an equal record is not added twice to a bag');
    const dup = ctx.newTable<[string, number]>({ type: 'duplicateBag' });
    dup.insertMany([['k', 1], ['k', 2], ['k', 1]]);
    assert.deepEqual(dup.lookup('k'), [['k', 1], ['k', 2], ['k', 1]]);
  });
});

test('ets_SUITE t_delete_all_objects: on a fixed table, a walk goes on past the emptied keys to one inserted after', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[number]>({ type: 'set' });
    t.insertMany([[1], [2], [3]]);
    t.safeFixtable(true);
    const first = t.first();
    t.deleteAllObjects();
    assert.equal(t.size, 0);
    assert.equal(t.info().fixed, true);
    t.insert([4]);
    assert.equal(t.next(first), 4, 'the deleted key keeps its place; the walk reaches the new one');
    assert.equal(t.next(4), undefined);
    t.safeFixtable(false);
    assert.equal(t.first(), 4);
    assert.throws(() => t.next(first), badarg, 'released: a key no longer held has no place');
  });
});
