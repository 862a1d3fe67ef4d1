// Cases mirroring OTP's lib/stdlib/test/ets_SUITE.erl t_select_reverse and t_select_replace, named after them.
// ets_SUITE filters with {'rem', '$1', 5}; match specs here have no arithmetic, so each row carries i rem 5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { _, eq, ge, gt, lt, matchSpec, matchSpecRun, RuntimeError, type SelectChunk, type SelectContinuation, type TableType } from '@otp-ts/runtime';
import { inProcess } from './helpers.ts';

type Row = [id: number, rem5: number, value: string];
const rows = (n: number): Row[] => Array.from({ length: n }, (_x, i) => [i + 1, (i + 1) % 5, `v${i + 1}`]);
const over2 = matchSpec<Row>().where((r) => gt(r[1], 2));

function chunked<T>(first: SelectChunk<T> | undefined, next: (c: SelectContinuation<T> | undefined) => SelectChunk<T> | undefined): T[] {
  const out: T[] = [];
  for (let c = first; c !== undefined; c = next(c.continuation)) out.push(...c.rows);
  return out;
}

test('ets_SUITE: t_select_reverse — an orderedSet answers in reverse key order, whole and in chunks of 3', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<Row>({ type: 'orderedSet' });
    t.insertMany(rows(1000));
    const forward = t.select(over2);
    const a = [...forward].reverse();
    assert.equal(a.length, 400);
    assert.deepEqual(t.selectReverse(over2), a);
    assert.deepEqual(chunked(t.selectReverse(over2, 3), (c) => t.selectReverse(c)), a);
    // A projection and a bound key, reversed or not, give the same single row.
    assert.deepEqual(t.selectReverse(matchSpec<Row>().match([7, _, _]).select((r) => r[2])), ['v7']);
  });
});

test('ets_SUITE: t_select_reverse — set and bag tables answer as select does', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'bag'] as TableType[]) {
      const t = ctx.newTable<Row>({ type });
      t.insertMany(rows(1000));
      assert.deepEqual(t.selectReverse(over2), t.select(over2), type);
      assert.deepEqual(chunked(t.selectReverse(over2, 7), (c) => t.selectReverse(c)), t.select(over2), type);
    }
  });
});

test('ets_SUITE: t_select_reverse — a reverse continuation sees writes made between chunks, without repeating or skipping keys', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<Row>({ type: 'orderedSet' });
    t.insertMany(rows(10));
    const ids = matchSpec<Row>().select((r) => r[0]);
    const first = t.selectReverse(ids, 4)!;
    assert.deepEqual(first.rows, [10, 9, 8, 7]);
    t.delete(7);
    t.delete(6);
    t.insert([0, 0, 'v0']);
    const second = t.selectReverse(first.continuation)!;
    assert.deepEqual(second.rows, [5, 4, 3, 2]);
    assert.deepEqual(t.selectReverse(second.continuation)!.rows, [1, 0]);
  });
});

test('ets_SUITE: t_select_replace — a replacement that changes a key is badarg and replaces nothing', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'orderedSet'] as TableType[]) {
      const t = ctx.newTable<Row>({ type });
      t.insertMany(rows(100));
      const before = t.toList();
      // The key taken from another field (ets_SUITE's {{'$2', '$1'}}): most rows would change key.
      const swap = matchSpec<Row>().where((r) => ge(r[1], 0)).select((r) => [r[1], r[1], r[2]]);
      assert.throws(() => t.selectReplace(swap), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /must keep each record's key, but changes .*; nothing was replaced/.test(e.message));
      assert.deepEqual(t.toList(), before, `${type}: nothing was replaced`);
    }
  });
});

test('ets_SUITE: t_select_replace — same tuple, rebuilt tuple, differently shaped results, ranges and single keys', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'orderedSet'] as TableType[]) {
      type Wide = [id: number, rem5: number, value: string, tag?: string];
      const t = ctx.newTable<Wide>({ type });
      t.insertMany(rows(10_000));
      // Differently sized results: add a tag to rows with rem 5 < 2, then drop it again.
      assert.equal(t.selectReplace(matchSpec<Wide>().where((r) => lt(r[1], 2)).select((r) => [r[0], r[1], r[2], 'x'])), 4000);
      assert.deepEqual(t.get(5), [5, 0, 'v5', 'x']);
      assert.equal(t.selectReplace(matchSpec<Wide>().match([_, _, _, 'x']).select((r) => [r[0], r[1], r[2]])), 4000);
      assert.deepEqual(t.get(5), [5, 0, 'v5']);
      // The same row ('$_') and a rebuilt equal row count as replaced, as in ETS.
      assert.equal(t.selectReplace(matchSpec<Wide>().where((r) => gt(r[1], 3))), 2000);
      assert.equal(t.selectReplace(matchSpec<Wide>().where((r) => gt(r[1], 3)).select((r) => [r[0], r[1], r[2]])), 2000);
      // Ranges and particular keys.
      assert.equal(t.selectReplace(matchSpec<Wide>().where((r) => gt(r[0], 7000)).select((r) => [r[0], r[1], 'gt_range'])), 3000);
      assert.equal(t.selectReplace(matchSpec<Wide>().where((r) => lt(r[0], 3000)).select((r) => [r[0], r[1], 'le_range'])), 2999);
      assert.equal(t.selectReplace(matchSpec<Wide>().match([3000, _, _]).select((r) => [r[0], r[1], 'specific'])), 1);
      assert.equal(t.selectReplace(matchSpec<Wide>().where((r) => eq(r[0], 7000)).select((r) => [r[0], r[1], 'specific'])), 1);
      assert.equal(t.size, 10_000);
      assert.deepEqual([t.get(7001)![2], t.get(1)![2], t.get(3000)![2], t.get(7000)![2], t.get(5000)![2]], ['gt_range', 'le_range', 'specific', 'specific', 'v5000']);
    }
  });
});

test('ets_SUITE: t_select_replace — a bag is refused (not supported, as in ETS), object rows keep their key field', async () => {
  await inProcess(async (ctx) => {
    const bag = ctx.newTable<Row>({ type: 'bag' });
    bag.insert([1, 1, 'a']);
    assert.throws(() => bag.selectReplace(matchSpec<Row>()), /works on set and orderedSet tables, and .* is a bag/);
    type User = { id: string; visits: number; state: string };
    const users = ctx.newTable<User>({ keyPos: 'id' });
    users.insertMany([{ id: 'ann', visits: 3, state: 'new' }, { id: 'bob', visits: 0, state: 'new' }]);
    assert.equal(users.selectReplace(matchSpec<User>().where((u) => gt(u.visits, 0)).select((u) => ({ id: u.id, visits: u.visits, state: 'active' }))), 1);
    assert.deepEqual(users.get('ann'), { id: 'ann', visits: 3, state: 'active' });
    assert.throws(() => users.selectReplace(matchSpec<User>().select((u) => ({ id: u.state, visits: u.visits, state: u.state }))), /must keep each record's key/);
  });
});

test('the selectReverse / selectReplace example of docs/tables.md runs and gives what its comments say', async () => {
  const doc = readFileSync(new URL('../../../docs/tables.md', import.meta.url), 'utf8');
  const block = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('selectReplace'));
  assert.ok(block !== undefined, 'the doc has a selectReplace example');
  const imports = /^import \{([^}]*)\} from '@otp-ts\/runtime';\n/m.exec(block);
  assert.ok(imports !== null, 'the example imports from @otp-ts/runtime');
  const body = `${transformSync(block.replace(imports[0], ''), { loader: 'ts' }).code}\nreturn { newestFirst, page: page.rows, rest: rest.rows, retried, job2 };`;
  const names = imports[1]!.split(',').map((n) => n.trim()).filter((n) => n !== '' && !n.startsWith('type '));
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
  const run = new AsyncFunction('ctx', ...names, body);
  const out = await inProcess((ctx) => run(ctx, ...names.map((n) => (runtime as Record<string, unknown>)[n])));
  assert.deepEqual(out, { newestFirst: [4, 3, 2, 1], page: [4, 3, 2], rest: [1], retried: 2, job2: [2, 'new', 3] });
});

test('ets_SUITE: t_match_spec_run — a spec runs over a plain list as over a table, in list order', async () => {
  const list = rows(20).reverse();
  const spec = matchSpec<Row>().where((r) => gt(r[1], 2)).select((r) => ({ id: r[0], v: r[2] }));
  const out = matchSpecRun(list, spec);
  assert.equal(out.length, 8);
  assert.deepEqual(out[0], { id: 19, v: 'v19' });
  assert.deepEqual(matchSpecRun(list, matchSpec<Row>().match([3, _, _])), [[3, 3, 'v3']]);
  assert.deepEqual(matchSpecRun([], spec), []);
  await inProcess(async (ctx) => {
    const t = ctx.newTable<Row>({ type: 'orderedSet' });
    t.insertMany(list);
    assert.deepEqual(matchSpecRun(t.toList(), spec), t.select(spec));
  });
});
