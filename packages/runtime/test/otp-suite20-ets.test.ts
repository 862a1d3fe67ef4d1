// Cases after OTP's ets_SUITE: a fixed walk of a set or bag that inserts a new key at each step ends (keys inserted
// meanwhile are seen up to the end of the keys held when it began, then no more), and ets:info/1 answers for another process's private table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TableType } from '@otp-ts/runtime';
import { ended, withNode } from './helpers.ts';

for (const type of ['set', 'bag'] as TableType[]) {
  test(`a safeFixtable walk of a ${type} that inserts a new key at each step ends, visiting each key held at its start once`, async () => {
    await withNode(async (node) => {
      await node.run(async (ctx) => {
        const t = ctx.newTable<[number, string]>({ type });
        for (let i = 0; i < 50; i++) t.insert([i, 'old']);
        t.safeFixtable(true);
        const seen: number[] = [];
        let fresh = 1000;
        // A walk that never ended would run past this bound: 50 keys held, and each step adds one.
        for (let k = t.first() as number | undefined; k !== undefined && seen.length < 10_000; k = t.next(k) as number | undefined) {
          seen.push(k);
          t.insert([fresh++, 'new']);
        }
        t.safeFixtable(false);
        assert.ok(seen.length < 10_000, `the walk ended (${seen.length} steps)`);
        const old = seen.filter((k) => k < 1000).sort((a, b) => a - b);
        assert.deepEqual(old, Array.from({ length: 50 }, (_, i) => i), 'every key held when the walk began, once');
        assert.equal(new Set(seen).size, seen.length, 'no key twice');
        assert.equal(seen.length, 100, 'the 50 keys held, then the 50 inserted while walking them; not those inserted after');
        // A new walk sees the keys inserted meanwhile.
        let count = 0;
        for (let k = t.first(); k !== undefined; k = t.next(k)) count++;
        assert.equal(count, t.info().size);
      });
    });
  });
}

test('tableInfo answers for another process private table, whose records it still may not read', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const owner = ctx.spawn(async (c) => {
        const t = c.newTable({ access: 'private', name: 'otp_suite20_private' });
        t.insert(['k', 1]);
        c.send(me, { id: t.info().id });
        await c.receive((m) => m === 'stop');
      });
      const { id } = (await ctx.receive((m) => typeof (m as { id?: number }).id === 'number')) as { id: number };
      for (const ref of [id, 'otp_suite20_private']) {
        const info = ctx.tableInfo(ref);
        assert.ok(info, `info of ${String(ref)}`);
        assert.equal(info.access, 'private');
        assert.equal(info.size, 1);
        assert.ok(info.owner.equals(owner));
      }
      assert.throws(() => ctx.table(id), (e: unknown) => (e as { code?: string }).code === 'access');
      assert.equal(ctx.tableInfo(987_654), undefined, 'no such table');
      assert.equal(ctx.tableInfo('otp_suite20_none'), undefined);
      assert.throws(() => ctx.tableInfo({} as unknown as string), /tableInfo takes a table name or id/);
      ctx.send(owner, 'stop');
      await ended(ctx, owner);
      assert.equal(ctx.tableInfo(id), undefined, 'gone with its owner');
    });
  });
});
