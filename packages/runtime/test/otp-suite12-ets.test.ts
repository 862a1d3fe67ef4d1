// Cases after OTP's ets_SUITE that need ets:foldl/3, foldr/3, slot/2, match_object/2 and tab2list/1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { _, RuntimeError } from '@otp-ts/runtime';
import { inProcess } from './helpers.ts';

const badarg = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg';
const TYPES = ['set', 'orderedSet', 'bag', 'duplicateBag'] as const;

test('ets_SUITE t_foldl/t_foldr: every record once; an orderedSet folds in key order and foldr in reverse; a deleted table is badarg', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<[number, string]>({ type });
      for (const k of [5, 1, 4, 2, 3]) t.insert([k, `v${k}`]);
      if (type === 'bag' || type === 'duplicateBag') t.insert([2, 'again']);
      const left = t.foldl((r, acc: Array<[number, string]>) => [...acc, r], []);
      const right = t.foldr((r, acc: Array<[number, string]>) => [...acc, r], []);
      assert.equal(t.foldl((r, sum: number) => sum + r[0], 0), type === 'set' || type === 'orderedSet' ? 15 : 17, type);
      assert.deepEqual([...left].sort(), [...t.toList()].sort(), `${type}: foldl sees each record once`);
      assert.deepEqual([...right].sort(), [...t.toList()].sort(), `${type}: foldr sees each record once`);
      if (type === 'orderedSet') {
        assert.deepEqual(left.map((r) => r[0]), [1, 2, 3, 4, 5]);
        assert.deepEqual(right.map((r) => r[0]), [5, 4, 3, 2, 1]);
      }
      // The fold function may write to the table, as OTP's fold runs under a safe fixation.
      t.foldl((r, n: number) => (t.delete(r[0]), n + 1), 0);
      assert.equal(t.size, 0, type);
      t.drop();
      assert.throws(() => t.foldl((_r, n: number) => n, 0), badarg);
      assert.throws(() => t.foldr((_r, n: number) => n, 0), badarg);
    }
  });
});

test('ets_SUITE slot: the slots from 0 up hold every record once, the one just past the last is the end, further is badarg', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<[number, number]>({ type });
      for (let i = 0; i < 50; i++) t.insert([i % 20, i]);
      let count = 0;
      let n = 0;
      const seen: Array<[number, number]> = [];
      for (let s = t.slot(0); s !== undefined; s = t.slot(++n)) {
        count += s.length;
        seen.push(...s);
      }
      assert.equal(count, t.size, `${type}: count_records`);
      assert.deepEqual([...seen].sort((a, b) => a[1] - b[1]), [...t.toList()].sort((a, b) => a[1] - b[1]), type);
      assert.equal(t.slot(n), undefined, `${type}: '$end_of_table'`);
      assert.throws(() => t.slot(n + 1), badarg, `${type}: past the end`);
      assert.throws(() => t.slot(-1), badarg);
      assert.throws(() => t.slot(1.5), badarg);
      if (type === 'orderedSet') assert.deepEqual(t.slot(3), [[3, 43]], 'the object at the 3rd position');
    }
    assert.equal(ctx.newTable().slot(0), undefined, 'an empty table ends at slot 0');
  });
});

test('ets_SUITE match_object and tab2list: matchObject gives the matching records, toList every record', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[string, number, string]>({ type: 'bag' });
    t.insertMany([['a', 1, 'x'], ['a', 2, 'y'], ['b', 1, 'x']]);
    assert.deepEqual(t.matchObject(['a', _, _]), [['a', 1, 'x'], ['a', 2, 'y']]);
    assert.deepEqual(t.matchObject([_, 1, 'x']).length, 2);
    assert.deepEqual(t.matchObject([_, 3, _]), []);
    assert.equal(t.toList().length, 3);
  });
});
