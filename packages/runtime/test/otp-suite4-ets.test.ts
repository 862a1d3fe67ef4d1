// Cases after OTP's ets_SUITE that the other table suites do not walk: an orderedSet's keys agree with
// compareTerms on every kind of value, so no key is lost, doubled, or iterated out of place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { _, compareTerms, matchSpec, RuntimeError } from '@otp-ts/runtime';
import { inProcess } from './helpers.ts';

test('ets_SUITE ordered_set keys: symbols are distinct keys, in description order, and deleting one keeps the others', async () => {
  await inProcess(async (ctx) => {
    const mine = Symbol('b');
    const t = ctx.newTable<[unknown, string]>({ type: 'orderedSet' });
    t.insertMany([[Symbol.for('b'), 'b'], [Symbol.for('a'), 'a'], [mine, 'mine'], [1, 'one']]);
    assert.equal(t.size, 4);
    assert.deepEqual(t.toList().map((r) => r[1]), ['one', 'a', 'b', 'mine'], 'numbers first, then symbols by description');
    assert.deepEqual(t.lookup(Symbol.for('b')).map((r) => r[1]), ['b']);
    assert.deepEqual(t.lookup(mine).map((r) => r[1]), ['mine']);
    t.delete(Symbol.for('a'));
    assert.equal(t.size, 3);
    assert.deepEqual(t.toList().map((r) => r[1]), ['one', 'b', 'mine'], 'the other symbol keys are still walked');
    assert.equal(t.next(1), Symbol.for('b'));
    assert.equal(t.next(Symbol.for('b')), mine);
    assert.notEqual(compareTerms(Symbol('x'), Symbol('x')), 0, 'two symbols made apart are never equal');
  });
});

test('ets_SUITE ordered_set keys: null and undefined inside a key are two keys, null first', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[unknown, string]>({ type: 'orderedSet' });
    t.insertMany([[[undefined], 'u'], [[null], 'n'], [[0], 'z']]);
    assert.equal(t.size, 3);
    assert.deepEqual(t.toList().map((r) => r[1]), ['z', 'n', 'u']);
    assert.deepEqual(t.lookup([undefined]).map((r) => r[1]), ['u']);
    t.delete([null]);
    assert.deepEqual(t.toList().map((r) => r[1]), ['z', 'u']);
    assert.ok(compareTerms(null, undefined) < 0);
  });
});

test('ets_SUITE delete_tab_on_walk: a table dropped mid-walk is badarg at the next step, in every type', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'orderedSet', 'bag', 'duplicateBag'] as const) {
      const t = ctx.newTable<[number, string]>({ type });
      for (let i = 0; i < 5; i++) t.insert([i, 'x']);
      const seen: number[] = [];
      assert.throws(
        () => {
          for (const r of t) {
            seen.push(r[0]);
            if (seen.length === 2) t.drop();
          }
        },
        (e: unknown) => e instanceof RuntimeError && e.code === 'badarg',
        `${type}: the walk does not go on over a deleted table`,
      );
      assert.equal(seen.length, 2, `${type}: no record after the drop`);
    }
  });
});

test('ets_SUITE fixtable walk: a record deleted before the walk reaches it is not given, in every type', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'orderedSet', 'bag', 'duplicateBag'] as const) {
      const t = ctx.newTable<[number, string]>({ type });
      for (let i = 0; i < 6; i++) t.insert([i, 'x']);
      const seen: number[] = [];
      for (const r of t) {
        seen.push(r[0]);
        // Delete every key not walked yet but one: the walk gives only what is still there.
        if (seen.length === 1) for (let i = 0; i < 6; i++) if (i !== r[0] && i !== 3) t.delete(i);
      }
      assert.equal(seen.length, seen[0] === 3 ? 1 : 2, `${type}: walked ${JSON.stringify(seen)}`);
      assert.deepEqual(t.toList().length, seen[0] === 3 ? 1 : 2);
    }
  });
});

test('ets_SUITE ordered_set keys: object keys order their field names by code point, as strings', async () => {
  await inProcess(async (ctx) => {
    assert.ok(compareTerms('\uffff', '\u{10000}') < 0);
    assert.ok(compareTerms({ '\uffff': 1 }, { '\u{10000}': 1 }) < 0, 'field names as the strings they are');
    const t = ctx.newTable<{ id: Record<string, number>; v: string }>({ type: 'orderedSet', keyPos: 'id' });
    t.insertMany([{ id: { '\u{10000}': 1 }, v: 'astral' }, { id: { '\uffff': 1 }, v: 'bmp' }]);
    assert.deepEqual(t.toList().map((r) => r.v), ['bmp', 'astral']);
  });
});

test('ets_SUITE select_replace: an orderedSet key replaced by an equal one (1n for 1) is the key first and next answer', async () => {
  await inProcess(async (ctx) => {
    type Row = [number | bigint, string];
    const t = ctx.newTable<Row>({ type: 'orderedSet' });
    t.insertMany([[0, 'z'], [1, 'a']]);
    assert.equal(t.selectReplace(matchSpec<Row>().match([1, _]).select((r) => [1n, r[1]])), 1);
    assert.deepEqual(t.toList(), [[0, 'z'], [1n, 'a']]);
    assert.equal(t.last(), 1n, 'the key of the record the table holds');
    assert.equal(t.next(0), 1n);
    t.insert([1, 'b']);
    assert.equal(t.last(), 1);
  });
});

test('ets_SUITE keys: a hole in a key array is the key with undefined there, in every type', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'orderedSet', 'bag'] as const) {
      const t = ctx.newTable<[unknown, string]>({ type });
      const holed: unknown[] = [];
      holed[1] = 1;
      t.insert([holed, 'hole']);
      assert.deepEqual(t.lookup([undefined, 1]).map((r) => r[1]), ['hole'], `${type}: found by the written-out key`);
      t.insert([[undefined, 1], 'undef']);
      assert.equal(t.size, type === 'bag' ? 2 : 1, `${type}: one key`);
    }
  });
});
