// More cases mirroring OTP's lib/stdlib/test/ets_SUITE.erl, each named after the case it follows
// (checked against the ets manual).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, _, matchSpec } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const badarg = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg';

test('ets_SUITE: update_counter with a default — the default\'s key element is replaced by the key, for tuples, objects and every table type that counts', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      for (const type of ['set', 'orderedSet'] as const) {
        const t = ctx.newTable<[string, number, string]>({ type });
        const template: [string, number, string] = ['whatever', 10, 'note'];
        assert.equal(t.updateCounter('hits', 1, { default: template }), 11);
        assert.deepEqual(t.lookup('hits'), [['hits', 11, 'note']], `${type}: stored under the key updated`);
        assert.deepEqual(t.lookup('whatever'), [], `${type}: nothing under the default's own key`);
        assert.deepEqual(template, ['whatever', 10, 'note'], `${type}: the default itself is not changed`);
        assert.equal(t.updateCounter('hits', 1, { default: template }), 12, `${type}: a present key ignores the default`);
        assert.equal(t.size, 1);
      }
      const byId = ctx.newTable<{ id: string; n: number }>({ keyPos: 'id' });
      assert.equal(byId.updateCounter('a', 5, { pos: 'n', default: { id: 'x', n: 0 } }), 5);
      assert.deepEqual(byId.lookup('a'), [{ id: 'a', n: 5 }]);
      assert.equal(byId.size, 1);
      assert.throws(() => ctx.newTable<[string, number]>().updateCounter('k', 1, { default: 7 as never }), badarg);
    });
  });
});

test('ets_SUITE: dups / t_delete_object — a duplicateBag keeps equal records, a bag keeps one; deleteObject takes every copy', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const bag = ctx.newTable<[string, number]>({ type: 'bag' });
      const dup = ctx.newTable<[string, number]>({ type: 'duplicateBag' });
      for (const t of [bag, dup]) {
        t.insert(['k', 1]);
        t.insert(['k', 2]);
        t.insertMany([['k', 1], ['j', 3]]);
      }
      assert.deepEqual(bag.lookup('k'), [['k', 1], ['k', 2]]);
      assert.deepEqual(dup.lookup('k'), [['k', 1], ['k', 2], ['k', 1]], 'insertion order, the copy too');
      assert.equal(dup.size, 4);
      assert.equal(dup.info().type, 'duplicateBag');
      assert.equal(dup.insertNew(['k', 9]), false, 'a key present refuses insertNew');
      assert.deepEqual(dup.match(['k', 1]), [['k', 1], ['k', 1]]);
      assert.deepEqual(dup.toList().filter((r) => r[0] === 'k').length, 3);
      dup.deleteObject(['k', 1]);
      assert.deepEqual(dup.lookup('k'), [['k', 2]], 'every copy of the object went');
      assert.equal(dup.size, 2);
      dup.insertMany([['k', 2], ['k', 2]]);
      assert.equal(dup.matchDelete(['k', 2]), 3, 'matchDelete counts each copy');
      assert.deepEqual(dup.lookup('k'), []);
      assert.equal(dup.size, 1);
      assert.throws(() => dup.updateCounter('j', 1), badarg);
    });
  });
});

test('ets_SUITE: select on a duplicateBag — every copy is a match, counted and deleted, also chunk by chunk', async () => {
  await withNode(async (node) => {
    await node.run((ctx) => {
      const dup = ctx.newTable<[string, number]>({ type: 'duplicateBag' });
      dup.insertMany([['a', 1], ['a', 1], ['b', 1], ['a', 2]]);
      const ones = matchSpec<[string, number]>().match([_, 1]).select((r) => r[0]);
      assert.deepEqual(dup.select(ones).sort(), ['a', 'a', 'b']);
      assert.equal(dup.selectCount(ones), 3);
      const first = dup.select(ones, 2);
      assert.equal(first?.rows.length, 2);
      const rest = dup.select(first!.continuation);
      assert.deepEqual([...first!.rows, ...(rest?.rows ?? [])].sort(), ['a', 'a', 'b']);
      assert.throws(() => dup.selectReplace(matchSpec<[string, number]>()), badarg);
      assert.equal(dup.selectDelete(ones), 3);
      assert.deepEqual(dup.toList(), [['a', 2]]);
    });
  });
});
