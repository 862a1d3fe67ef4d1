// Cases mirroring OTP's lib/stdlib/test/ets_SUITE.erl for the element-wise functions (update_counter with
// thresholds and lists of updates, update_element, lookup_element, take), checked against the ets manual.
// Positions are 0-based indexes here (ETS counts from 1), or property names for object records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const badarg = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg';

test('ets_SUITE update_counter: {Pos, Incr, Threshold, SetValue} wraps past the threshold, upwards and downwards', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      for (const type of ['set', 'orderedSet'] as const) {
        const t = ctx.newTable<[string, number, number]>({ type });
        t.insert(['c', 8, 2]);
        assert.equal(t.updateCounter('c', { incr: 1, threshold: 10, setValue: 0 }), 9);
        assert.equal(t.updateCounter('c', { incr: 1, threshold: 10, setValue: 0 }), 10, 'at the threshold is not past it');
        assert.equal(t.updateCounter('c', { incr: 1, threshold: 10, setValue: 0 }), 0, `${type}: past it, set`);
        assert.equal(t.updateCounter('c', { pos: 2, incr: -3, threshold: 0, setValue: 100 }), 100, 'below a threshold when decrementing');
        assert.deepEqual(t.get('c'), ['c', 0, 100]);
        assert.throws(() => t.updateCounter('c', { incr: 1, threshold: 10 }), badarg, 'a threshold needs its set value');
      }
    });
  });
});

test('ets_SUITE update_counter: a list of updates applies in order in one write and answers each new value', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const t = ctx.newTable<[string, number, number]>();
      t.insert(['k', 1, 10]);
      assert.deepEqual(t.updateCounter('k', [{ incr: 1 }, { pos: 2, incr: 5 }, { pos: 1, incr: 10, threshold: 5, setValue: -1 }]), [2, 15, -1]);
      assert.deepEqual(t.get('k'), ['k', -1, 15]);
      assert.deepEqual(t.updateCounter('k', []), [], 'no updates, no values');
      assert.throws(() => t.updateCounter('k', [{ pos: 2, incr: 1 }, { pos: 9, incr: 1 }]), badarg, 'a position the record has not');
      assert.deepEqual(t.get('k'), ['k', -1, 15], 'a refused list changes nothing');
      assert.deepEqual(t.updateCounter('new', [{ incr: 1 }, { pos: 2, incr: 2 }], { default: ['_', 0, 0] }), [1, 2]);
      assert.deepEqual(t.get('new'), ['new', 1, 2]);
    });
  });
});

test('ets_SUITE update_element: sets elements of the record, one or many; false for a missing key; the key and bags are refused', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      for (const type of ['set', 'orderedSet'] as const) {
        const t = ctx.newTable<[string, string, number]>({ type });
        t.insert(['k', 'old', 1]);
        assert.equal(t.updateElement('k', [1, 'new']), true);
        assert.deepEqual(t.get('k'), ['k', 'new', 1]);
        assert.equal(t.updateElement('k', [[1, 'newer'], [2, 2], [1, 'newest']]), true);
        assert.deepEqual(t.get('k'), ['k', 'newest', 2], `${type}: in order, the last write to a position wins`);
        assert.equal(t.updateElement('missing', [1, 'x']), false);
        assert.equal(t.size, 1);
        assert.throws(() => t.updateElement('k', [0, 'other key']), badarg);
        assert.throws(() => t.updateElement('k', [3, 'beyond']), badarg);
        assert.equal(t.updateElement('added', [2, 7], { default: ['_', 'd', 0] }), true);
        assert.deepEqual(t.get('added'), ['added', 'd', 7], 'the default, updated, under the key');
      }
      const byId = ctx.newTable<{ id: string; name: string }>({ keyPos: 'id' });
      byId.insert({ id: 'a', name: 'ann' });
      assert.equal(byId.updateElement('a', ['name', 'anna']), true);
      assert.deepEqual(byId.get('a'), { id: 'a', name: 'anna' });
      const bag = ctx.newTable<[string, number]>({ type: 'bag' });
      bag.insert(['k', 1]);
      assert.throws(() => bag.updateElement('k', [1, 2]), badarg);
    });
  });
});

test('ets_SUITE lookup_element: the element of the record (of each record in a bag); a missing key is badarg unless a default is given', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const t = ctx.newTable<[string, number, string]>({ type: 'orderedSet' });
      t.insert(['k', 1, 'one']);
      assert.equal(t.lookupElement('k', 2), 'one');
      assert.equal(t.lookupElement('k', 0), 'k');
      assert.throws(() => t.lookupElement('missing', 1), badarg);
      assert.equal(t.lookupElement('missing', 1, { default: 'none' }), 'none');
      assert.throws(() => t.lookupElement('k', 3), badarg, 'a position the record has not');
      const bag = ctx.newTable<[string, number]>({ type: 'duplicateBag' });
      bag.insertMany([['k', 1], ['k', 2], ['k', 1]]);
      assert.deepEqual(bag.lookupElement('k', 1), [1, 2, 1]);
    });
  });
});

test('ets_SUITE take: the records with the key, removed; nothing for a missing key; protected tables refuse other processes', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const set = ctx.newTable<[string, number]>({ name: 'take_set' });
      set.insertMany([['a', 1], ['b', 2]]);
      assert.deepEqual(set.take('a'), [['a', 1]]);
      assert.deepEqual(set.take('a'), []);
      assert.deepEqual(set.toList(), [['b', 2]]);
      const bag = ctx.newTable<[string, number]>({ type: 'bag' });
      bag.insertMany([['k', 1], ['k', 2], ['j', 3]]);
      assert.deepEqual(bag.take('k'), [['k', 1], ['k', 2]]);
      assert.equal(bag.size, 1);
      const refused = await ctx.node.run((other) => {
        try {
          other.table('take_set').take('b');
          return 'taken';
        } catch (e) {
          return e instanceof RuntimeError ? e.code : 'other';
        }
      });
      assert.equal(refused, 'access');
      assert.equal(set.size, 1);
    });
  });
});

test('ets_SUITE update_counter: counters are whole numbers — a fractional increment, threshold or counter is badarg, and one past 2^53 is refused rather than losing the increment', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const t = ctx.newTable<[string, number]>();
      t.insert(['c', 1]);
      t.insert(['f', 1.5]);
      t.insert(['big', Number.MAX_SAFE_INTEGER]);
      assert.throws(() => t.updateCounter('c', 0.5), badarg, 'a fractional increment');
      assert.throws(() => t.updateCounter('c', { incr: 1, threshold: 2.5, setValue: 0 }), badarg, 'a fractional threshold');
      assert.throws(() => t.updateCounter('c', { incr: 1, threshold: 2, setValue: Infinity }), badarg, 'a set value that is no whole number');
      assert.throws(() => t.updateCounter('f', 1), badarg, 'a counter that is no whole number');
      assert.throws(() => t.updateCounter('big', 1), (e: unknown) => badarg(e) && /past Number.MAX_SAFE_INTEGER/.test((e as Error).message));
      assert.deepEqual([t.get('c'), t.get('f'), t.get('big')], [['c', 1], ['f', 1.5], ['big', Number.MAX_SAFE_INTEGER]], 'refused updates change nothing');
      assert.equal(t.updateCounter('c', 2), 3);
    });
  });
});

test('ets_SUITE update_counter: counters are bignums — a bigint increment counts past 2^53 exactly, with thresholds, and a number counter becomes a bigint', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const t = ctx.newTable<[string, number | bigint, number | bigint]>();
      t.insert(['c', Number.MAX_SAFE_INTEGER, 0]);
      const big: bigint = t.updateCounter('c', 2n);
      assert.equal(big, 9007199254740993n);
      assert.equal(t.updateCounter('c', 10n ** 20n), 100009007199254740993n);
      assert.deepEqual(t.get('c'), ['c', 100009007199254740993n, 0]);
      // Past the safe range a number increment is refused (it would lose it), naming the bigint that counts on.
      assert.throws(() => t.updateCounter('c', 1), (e: unknown) => badarg(e) && /past Number.MAX_SAFE_INTEGER.*1n/.test((e as Error).message));
      assert.deepEqual(t.updateCounter('c', [{ incr: -(10n ** 20n) }, { pos: 2, incr: 5n, threshold: 3, setValue: -1n }]), [9007199254740993n, -1n]);
      // A bigint counter back within the safe range takes number increments again, answering numbers.
      t.insert(['small', 5n, 0]);
      assert.equal(t.updateCounter('small', 1), 6);
      assert.throws(() => t.updateCounter('small', { incr: 1n, threshold: 0.5, setValue: 0n }), badarg, 'a threshold that is no whole number');
      assert.equal(t.updateCounter('missing', 7n, { default: ['', 0, 0] }), 7n);
    });
  });
});
