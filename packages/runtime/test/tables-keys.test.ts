// Which keys a table holds apart. A set or bag keeps keys apart unless they are structurally the same value
// (ETS's =:=); an orderedSet keeps them apart unless compareTerms says they are equal (ETS's ordered_set
// compares with ==, so 1 and 1.0 are one key there, and 1 and 1n are one key here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { _, compareTerms, matchPattern, RuntimeError, type TableType } from '@otp-ts/runtime';
import { inProcess } from './helpers.ts';

const types: TableType[] = ['set', 'orderedSet', 'bag', 'duplicateBag'];

test('table keys: Dates are keys by their time, in every table type, at the top or inside a tuple', async () => {
  await inProcess(async (ctx) => {
    for (const type of types) {
      const t = ctx.newTable<[unknown, string]>({ type });
      t.insert([new Date(1000), 'a']);
      t.insert([new Date(2000), 'b']);
      t.insert([['day', new Date(1000)], 'c']);
      t.insert([['day', new Date(2000)], 'd']);
      assert.equal(t.size, 4, `${type}: four distinct keys`);
      assert.deepEqual(t.lookup(new Date(2000)).map((r) => r[1]), ['b'], `${type}: an equal Date finds its record`);
      assert.deepEqual(t.lookup(['day', new Date(1000)]).map((r) => r[1]), ['c']);
      assert.deepEqual(t.match([new Date(1000), _]).map((r) => r[1]), ['a'], `${type}: a Date in a pattern matches the equal Date only`);
      t.delete(new Date(1000));
      assert.equal(t.member(new Date(1000)), false);
      assert.equal(t.member(new Date(2000)), true, `${type}: deleting one Date leaves the other`);
    }
    const o = ctx.newTable<[Date, number]>({ type: 'orderedSet' });
    for (const ms of [3000, 1000, 2000]) o.insert([new Date(ms), ms]);
    assert.deepEqual(o.toList().map((r) => r[1]), [1000, 2000, 3000], 'an orderedSet orders Dates by time');
  });
});

test('table keys: Maps and Sets are keys by their contents', async () => {
  await inProcess(async (ctx) => {
    for (const type of types) {
      const t = ctx.newTable<[unknown, string]>({ type });
      t.insert([new Map([['a', 1]]), 'm1']);
      t.insert([new Map([['a', 2]]), 'm2']);
      t.insert([new Set([1, 2]), 's12']);
      t.insert([new Set([3]), 's3']);
      assert.equal(t.size, 4, `${type}: four distinct keys`);
      assert.deepEqual(t.lookup(new Map([['a', 2]])).map((r) => r[1]), ['m2']);
      assert.deepEqual(t.lookup(new Set([2, 1])).map((r) => r[1]), ['s12'], 'a Set by its members, in any order');
    }
  });
});

test('table keys: a Date, Map or Set in a match pattern is compared whole, not as an empty partial object', () => {
  assert.equal(matchPattern([new Date(1)], [new Date(2)]), false);
  assert.equal(matchPattern([new Date(1)], [new Date(1)]), true);
  assert.equal(matchPattern(new Map([['a', 1]]), new Map([['a', 2]])), false);
  assert.notEqual(compareTerms(new Date(1), new Date(2)), 0);
  assert.notEqual(compareTerms(new Set([1]), new Set([2])), 0);
});

test('table keys: a set keeps 1 and 1n apart, at the top and inside a tuple; an orderedSet holds them as one key', async () => {
  await inProcess(async (ctx) => {
    const s = ctx.newTable<[unknown, string]>({ type: 'set' });
    s.insertMany([[1, 'n'], [1n, 'b'], [[1], 'tn'], [[1n], 'tb']]);
    assert.equal(s.size, 4);
    assert.equal(s.get([1n])?.[1], 'tb');
    assert.equal(s.get([1])?.[1], 'tn');

    const o = ctx.newTable<[unknown, string]>({ type: 'orderedSet' });
    o.insert([1, 'number']);
    o.insert([1n, 'bigint']);
    o.insert([[2], 'tuple number']);
    o.insert([[2n], 'tuple bigint']);
    o.insert([2 ** 64, 'big number']);
    o.insert([2n ** 64n, 'big bigint']);
    assert.equal(o.size, 3, 'each pair is one key');
    assert.deepEqual(o.toList(), [[1n, 'bigint'], [2n ** 64n, 'big bigint'], [[2n], 'tuple bigint']], 'the last insert replaces, its key kept');
    assert.equal(o.first(), 1n);
    assert.equal(o.get(1)?.[1], 'bigint', 'found by the equal number');
    assert.equal(o.member(2 ** 64), true);
    assert.equal(o.insertNew([1, 'again']), false);
    o.delete(1);
    assert.equal(o.size, 2);
    assert.equal(o.first(), 2n ** 64n);
  });
});

test('table keys: NaN keys keep an orderedSet in order (NaN first, equal to itself)', async () => {
  await inProcess(async (ctx) => {
    const o = ctx.newTable<[number, string]>({ type: 'orderedSet' });
    for (const k of [2, NaN, 1, NaN, 3]) o.insert([k, String(k)]);
    assert.equal(o.size, 4);
    assert.deepEqual(o.toList().map((r) => r[1]), ['NaN', '1', '2', '3']);
    o.delete(2);
    o.delete(NaN);
    assert.deepEqual(o.toList().map((r) => r[1]), ['1', '3']);
  });
});

test('table keys: a bag keeps records that differ only by 1 and 1n apart, at any depth (ETS bag, =:=)', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['bag', 'duplicateBag'] as const) {
      const b = ctx.newTable<[string, unknown]>({ type });
      b.insertMany([['k', 1], ['k', 1n], ['k', [1]], ['k', [1n]], ['k', { n: 1 }], ['k', { n: 1n }], ['k', new Map([[1, 1]])], ['k', new Map([[1n, 1]])]]);
      assert.equal(b.size, 8, `${type}: eight distinct records`);
      b.deleteObject(['k', [1n]]);
      assert.deepEqual(b.lookup('k').map((r) => r[1]), [1, 1n, [1], { n: 1 }, { n: 1n }, new Map([[1, 1]]), new Map([[1n, 1]])], `${type}: deleteObject removes the exact record only`);
    }
    const b = ctx.newTable<[string, unknown]>({ type: 'bag' });
    b.insertMany([['k', [1]], ['k', [1]]]);
    assert.equal(b.size, 1, 'a bag still merges records that are exactly equal');
  });
});

test('table keys: deleteObject and match compare records exactly (=:=) in every table type', async () => {
  await inProcess(async (ctx) => {
    for (const type of types) {
      const t = ctx.newTable<[string, unknown]>({ type });
      t.insert(['k', [1]]);
      assert.deepEqual(t.match(['k', [1n]]), [], `${type}: [1n] in a pattern does not match [1]`);
      t.deleteObject(['k', [1n]]);
      assert.equal(t.size, 1, `${type}: deleteObject of a record that is only ==, not =:=, keeps it`);
    }
  });
  assert.equal(matchPattern([[1]], [[1n]]), false);
  assert.equal(matchPattern({ a: [null] }, { a: [undefined] }), false);
});

test('a key that holds itself (a cycle) is badarg naming it, in every table type; the process and the table go on', async () => {
  await inProcess(async (ctx) => {
    const cyclic: Record<string, unknown> = { id: 1 };
    cyclic.self = cyclic;
    const inArray: unknown[] = ['k'];
    inArray.push(inArray);
    for (const type of types) {
      const t = ctx.newTable<[unknown, string]>({ type });
      t.insert(['kept', 'v']);
      for (const key of [cyclic, inArray]) {
        const refused = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg' && /holds itself \(a cycle\) or is nested too deep cannot be a key/.test(e.message);
        assert.throws(() => t.insert([key, 'x']), refused, `${type}: insert`);
        assert.throws(() => t.lookup(key), refused, `${type}: lookup`);
      }
      assert.deepEqual(t.lookup('kept'), [['kept', 'v']], `${type}: the table goes on`);
    }
  });
});
