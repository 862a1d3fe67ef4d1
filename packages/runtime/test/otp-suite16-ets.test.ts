// Cases mirroring OTP's ets_SUITE (lib/stdlib/test/ets_SUITE.erl), each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RuntimeError, TableOptions } from '@otp-ts/runtime';
import { gt, isNumber, matchSpec, not, or, eq } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const badarg = (e: RuntimeError): boolean => e.code === 'badarg';

test('ets_SUITE badnew: a table name that is no non-empty string, options that are no object and a misspelt option are badarg, and no table is made', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      assert.throws(() => ctx.newTable({ name: 5 } as unknown as TableOptions), (e: RuntimeError) => badarg(e) && /table name is a non-empty string/.test(e.message));
      assert.throws(() => ctx.newTable({ name: '' }), badarg);
      assert.throws(() => ctx.newTable(5 as unknown as TableOptions), (e: RuntimeError) => badarg(e) && /options must be an object/.test(e.message));
      assert.throws(() => ctx.newTable(['bag'] as unknown as TableOptions), badarg);
      assert.throws(() => ctx.newTable({ tpye: 'bag' } as unknown as TableOptions), (e: RuntimeError) => badarg(e) && /'tpye' \(did you mean 'type'\?\)/.test(e.message));
      assert.throws(() => ctx.newTable({ keypos: 1 } as unknown as TableOptions), (e: RuntimeError) => badarg(e) && /did you mean 'keyPos'/.test(e.message));
      for (let id = 1; id <= 6; id++) assert.throws(() => ctx.table(id), badarg, `no table was made (id ${id})`);
      const t = ctx.newTable({ name: 'five', type: 'bag' });
      assert.equal(t.info().type, 'bag');
      assert.equal(ctx.table('five').info().id, t.info().id);
    });
  });
});

test('ets_SUITE t_insert_list: a list is inserted all or nothing — a later record whose key throws when read leaves the table as it was, in every type', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      for (const type of ['set', 'orderedSet', 'bag', 'duplicateBag'] as const) {
        const t = ctx.newTable<unknown[]>({ type });
        t.insert(['kept', 0]);
        const hostile = { id: 1, get trap(): never {
          throw new Error('a key that cannot be read');
        } };
        assert.throws(() => t.insertMany([[1, 'a'], ['kept', 1], [hostile, 'b']]), /a key that cannot be read/, type);
        assert.deepEqual(t.toList(), [['kept', 0]], `${type}: nothing of the list went in`);
        assert.equal(t.info().size, 1, type);
      }
    });
  });
});

test("ets_SUITE select guards: a guard that reads a field the row lacks fails, as element/3 past a tuple does in ETS, so selectDelete takes no row it should not", async () => {
  type Row = [string, number, number?];
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const t = ctx.newTable<Row>({ type: 'set' });
      t.insertMany([['short', 1], ['long', 1, 5], ['flat', 1, 7]]);
      // Compiled (no key bound): a missing third element fails the guard, under not as well.
      assert.deepEqual(t.select(matchSpec<Row>().where((r) => gt(r[2], 1)).select((r) => r[0])).sort(), ['flat', 'long']);
      assert.deepEqual(t.select(matchSpec<Row>().where((r) => not(gt(r[2], 10))).select((r) => r[0])).sort(), ['flat', 'long']);
      // Interpreted (the key bound by the guard): the same answer.
      assert.deepEqual(t.select(matchSpec<Row>().where((r) => eq(r[0], 'short')).where((r) => not(gt(r[2], 10)))), []);
      assert.equal(t.selectDelete(matchSpec<Row>().where((r) => not(gt(r[2], 10)))), 2);
      assert.deepEqual(t.toList(), [['short', 1]], 'the row without a third element stays');
      // A field read through a value that is no object fails the guard too, even where an or's other operand holds.
      type Nested = [string, number, { n: number }];
      const u = ctx.newTable<Nested>({ type: 'set' });
      u.insertMany([['number', 1, 4 as unknown as { n: number }], ['object', 1, { n: 3 }]]);
      assert.deepEqual(u.select(matchSpec<Nested>().where((r) => or(eq(r[1], 1), isNumber(r[2].n))).select((r) => r[0])), ['object']);
    });
  });
});
