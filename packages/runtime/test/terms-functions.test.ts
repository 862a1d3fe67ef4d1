// Functions in values: as OTP's funs, two distinct ones are never equal, and they still have a place in the order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareTerms } from '@otp-ts/runtime';
import { inProcess } from './helpers.ts';

test('compareTerms: two distinct functions differ (antisymmetric), even with the same source text; one equals itself; functions sort after refs and before pids', () => {
  const make = (): (() => number) => () => 1;
  const f = make();
  const g = make();
  assert.notEqual(compareTerms(f, g), 0);
  assert.equal(Math.sign(compareTerms(f, g)) + Math.sign(compareTerms(g, f)), 0);
  assert.equal(compareTerms(f, f), 0);
  assert.notEqual(compareTerms([f, 1], [g, 1]), 0);
  assert.notEqual(compareTerms({ cb: f }, { cb: g }), 0);
  assert.ok(compareTerms(f, 'a') > 0 && compareTerms(f, [1]) < 0);
});

test('a bag keeps records that differ only in a function they hold, and a set keys by a tuple holding a function apart from one holding another', async () => {
  await inProcess(async (ctx) => {
    const make = (): (() => number) => () => 1;
    const f = make();
    const g = make();
    const bag = ctx.newTable<[string, () => number]>({ type: 'bag' });
    bag.insert(['k', f]);
    bag.insert(['k', g]);
    assert.equal(bag.lookup('k').length, 2, 'no record lost: the two functions are different values');
    const set = ctx.newTable<[[string, () => number], number]>();
    set.insert([['k', f], 1]);
    set.insert([['k', g], 2]);
    assert.equal(set.lookup(['k', f])[0]?.[1], 1);
    assert.equal(set.lookup(['k', g])[0]?.[1], 2);
  });
});
