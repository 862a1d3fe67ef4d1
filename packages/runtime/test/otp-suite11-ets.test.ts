// Cases after OTP's ets_SUITE that the other table suites do not walk: safe_fixtable (a first/next walk of a fixed
// set or bag survives deletes and inserts, info reports the fixation, an exiting fixer releases it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, type Pid } from '@otp-ts/runtime';
import { ended, inProcess } from './helpers.ts';

const badarg = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg';

test('ets_SUITE fixtable_next: a fixed set or bag is walked by first/next across deletes, each key once', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'bag', 'duplicateBag'] as const) {
      const t = ctx.newTable<[number, string]>({ type });
      for (let i = 0; i < 20; i++) t.insert([i, 'x']);
      t.safeFixtable(true);
      const seen: number[] = [];
      for (let k = t.first() as number | undefined; k !== undefined; k = t.next(k) as number | undefined) {
        seen.push(k);
        t.delete(k);
        t.insert([100 + k, 'new']);
        t.delete(100 + k);
      }
      t.safeFixtable(false);
      assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i), `${type}: every key once`);
      assert.equal(t.size, 0, type);
    }
  });
});

test('ets_SUITE fixtable_next: next from a key deleted while fixed goes on; unfixed, the same next is badarg', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[string, number]>({ type: 'set' });
    t.insertMany([['a', 1], ['b', 2], ['c', 3]]);
    t.safeFixtable(true);
    const first = t.first() as string;
    t.delete(first);
    const second = t.next(first) as string;
    assert.notEqual(second, undefined);
    assert.notEqual(second, first);
    t.delete(second);
    const third = t.next(second) as string;
    assert.deepEqual(new Set([first, second, third]), new Set(['a', 'b', 'c']));
    assert.equal(t.next(third), undefined);
    t.safeFixtable(false);
    assert.throws(() => t.next(first), badarg, 'released: a deleted key is badarg again');
  });
});

test('ets_SUITE info(fixed/safe_fixed): fixes count per process, info tells who and since when, a false without a fix is ignored', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[number]>({ type: 'set', access: 'public' });
    assert.equal(t.info().fixed, false);
    assert.equal(t.info().safeFixed, false);
    t.safeFixtable(false);
    assert.equal(t.info().fixed, false, 'a release without a fix does nothing');
    const before = Date.now();
    t.safeFixtable(true);
    t.safeFixtable(true);
    const info = t.info();
    assert.equal(info.fixed, true);
    assert.ok(info.safeFixed !== false);
    assert.ok(info.safeFixed.since >= before && info.safeFixed.since <= Date.now());
    assert.deepEqual(info.safeFixed.fixers, [[ctx.self(), 2]]);
    t.safeFixtable(false);
    assert.deepEqual((t.info().safeFixed as { fixers: unknown }).fixers, [[ctx.self(), 1]]);
    t.safeFixtable(false);
    assert.equal(t.info().fixed, false);
    assert.throws(() => t.safeFixtable('yes' as unknown as boolean), badarg);
  });
});

test('ets_SUITE fixtable: a fixing process that exits releases its fixes; the owner\'s own fix stays', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[number]>({ type: 'set', access: 'public', name: 'fixed_by_other' });
    t.safeFixtable(true);
    const me = ctx.self();
    const other: Pid = ctx.spawn(async (c) => {
      c.table('fixed_by_other').safeFixtable(true);
      c.send(me, 'fixed');
      await c.receive((m) => m === 'go');
    });
    await ctx.receive((m) => m === 'fixed');
    assert.deepEqual(new Set(t.info().safeFixed === false ? [] : t.info().safeFixed.fixers.map(([p]) => String(p))), new Set([String(me), String(other)]));
    ctx.send(other, 'go');
    await ended(ctx, other);
    assert.deepEqual((t.info().safeFixed as { fixers: unknown }).fixers, [[me, 1]]);
    t.safeFixtable(false);
    assert.equal(t.info().fixed, false);
  });
});
