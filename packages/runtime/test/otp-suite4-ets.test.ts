// Cases after OTP's ets_SUITE that the other table suites do not walk: an orderedSet's keys agree with
// compareTerms on every kind of value, so no key is lost, doubled, or iterated out of place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareTerms } from '@otp-ts/runtime';
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
