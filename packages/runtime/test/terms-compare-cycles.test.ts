// compareTerms on values that hold themselves (a Map or Set among its own keys or values, an array or object in
// itself) and on deep values: an answer, never a stack overflow, and still a total order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareTerms } from '@otp-ts/runtime';

function selfMap(tag: string): Map<unknown, unknown> {
  const m = new Map<unknown, unknown>([['tag', tag]]);
  m.set('self', m);
  m.set(m, 'key');
  return m;
}

function selfSet(tag: string): Set<unknown> {
  const s = new Set<unknown>([tag]);
  s.add(s);
  return s;
}

function selfArray(tag: string): unknown[] {
  const a: unknown[] = [tag];
  a.push(a);
  return a;
}

test('compareTerms orders Maps, Sets, arrays and objects that hold themselves without overflowing the stack, antisymmetric and consistent', () => {
  const values: unknown[] = [selfMap('a'), selfMap('b'), selfSet('a'), selfSet('b'), selfArray('a'), selfArray('b'), new Map([[1, 2]]), new Set([1])];
  const obj: Record<string, unknown> = { tag: 'x' };
  obj.self = obj;
  values.push(obj, [selfMap('a')], { inner: selfSet('c') });
  for (const a of values) {
    for (const b of values) {
      const ab = compareTerms(a, b);
      assert.equal(Math.sign(ab) + Math.sign(compareTerms(b, a)), 0, 'antisymmetric');
      if (a === b) assert.equal(ab, 0);
    }
  }
  assert.notEqual(compareTerms(selfMap('a'), selfMap('b')), 0, 'different contents are different');
  assert.equal(compareTerms(selfMap('a'), selfMap('a')), 0, 'two self-holding Maps of the same shape are equal');
  assert.equal(compareTerms(selfSet('a'), selfSet('a')), 0);
  assert.equal(compareTerms(selfArray('a'), selfArray('a')), 0);
  assert.ok(compareTerms(selfArray('a'), selfArray('b')) < 0);
  const sorted = [...values].sort(compareTerms);
  assert.equal(sorted.length, values.length);
});

test('compareTerms orders Maps and Sets by size first, as OTP orders maps', () => {
  assert.ok(compareTerms(new Map([['z', 9]]), new Map([['a', 1], ['b', 2]])) < 0);
  assert.ok(compareTerms(new Set(['z']), new Set(['a', 'b'])) < 0);
});

test('compareTerms compares values nested far deeper than the call stack', () => {
  const deep = (leaf: number): unknown => {
    let v: unknown = leaf;
    for (let i = 0; i < 200_000; i++) v = [v];
    return v;
  };
  assert.ok(compareTerms(deep(1), deep(2)) < 0);
  assert.equal(compareTerms(deep(1), deep(1)), 0);
});

test('compareTerms orders Maps of one size by their keys in term order, then by their values in key order, as OTP orders maps', () => {
  assert.ok(compareTerms(new Map([[1, 9]]), new Map([[1, 10]])) < 0, 'values by number, not by text');
  assert.ok(compareTerms(new Map([[5, 'x'], [10, 'x']]), new Map([[2, 'x'], [100, 'x']])) > 0, 'keys compared smallest first: 5 > 2');
  assert.ok(compareTerms(new Map([['a', 2], ['b', 1]]), new Map([['a', 1], ['c', 0]])) < 0, 'all keys before any value: b < c');
  assert.ok(compareTerms(new Set([3, 20]), new Set([3, 100])) < 0);
  assert.equal(compareTerms(new Map<number, unknown>([[1, [2]], [2, new Set([1])]]), new Map<number, unknown>([[2, new Set([1])], [1, [2]]])), 0, 'insertion order does not matter');
});

test('compareTerms orders strings by code point (as OTP orders atoms and UTF-8 binaries), not by UTF-16 unit: an emoji after U+FF01', () => {
  assert.deepEqual(['\u{1F600}', '\uFF01', 'a', '\u{1F600}a', ''].sort(compareTerms), ['', 'a', '\uFF01', '\u{1F600}', '\u{1F600}a']);
  assert.ok(compareTerms(['\uFFFD'], ['\u{10000}']) < 0);
  assert.equal(compareTerms('\u{1F600}', '\u{1F600}'), 0);
});
