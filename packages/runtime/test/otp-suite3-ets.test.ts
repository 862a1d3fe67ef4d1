// More cases mirroring OTP's lib/stdlib/test/ets_SUITE.erl, each named after the case it follows
// (checked against the ets manual).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError } from '@otp-ts/runtime';
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
