import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { _, and, eq, ge, gt, isNumber, isString, isTuple, lt, matchSpec, ne, not, or, type MatchSpec, type RuntimeError, type TableType } from '@otp-ts/runtime';
import { inProcess } from './helpers.ts';

type User = { id: number; name: string; age: number; tags: [string, number] };
type Pair = [key: number, value: number | string];

const users: User[] = [
  { id: 3, name: 'cid', age: 40, tags: ['c', 3] },
  { id: 1, name: 'ann', age: 30, tags: ['a', 1] },
  { id: 2, name: 'bob', age: 25, tags: ['b', 2] },
  { id: 4, name: 'dan', age: 52, tags: ['d', 4] },
];
const TYPES: TableType[] = ['set', 'orderedSet', 'bag'];
const sorted = <T>(xs: T[]): T[] => [...xs].sort();

test('select: a guard and a field result; the result type follows from the spec', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<User>({ keyPos: 'id' });
    t.insertMany(users);
    const names: string[] = t.select(matchSpec<User>().where((u) => gt(u.age, 30)).select((u) => u.name));
    assert.deepEqual(sorted(names), ['cid', 'dan']);
    const pairs: [string, number][] = t.select(matchSpec<User>().where((u) => lt(u.age, 31)).select((u) => [u.name, u.tags[1]]));
    assert.deepEqual(pairs.sort(), [['ann', 1], ['bob', 2]]);
    const shaped: { who: string; kind: string }[] = t.select(matchSpec<User>().where((u) => eq(u.name, 'bob')).select((u) => ({ who: u.name, kind: 'user' })));
    assert.deepEqual(shaped, [{ who: 'bob', kind: 'user' }]);
    const whole: User[] = t.select(matchSpec<User>().where((u) => eq(u.tags, ['a', 1])));
    assert.deepEqual(whole, [users[1]]);
    // @ts-expect-error the age is a number, the result is not a string
    const wrong: string[] = t.select(matchSpec<User>().select((u) => u.age));
    assert.equal(wrong.length, 4);
  });
});

test('select: and, or, not and type tests combine as ETS guards do', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<Pair>();
    t.insertMany([[1, 10], [2, 'two'], [3, 30], [4, 'four'], [5, 50]]);
    const keys = (spec: MatchSpec<Pair, number>): number[] => sorted(t.select(spec));
    const base = matchSpec<Pair>();
    assert.deepEqual(keys(base.where((p) => and(isNumber(p[1]), ge(p[1], 30))).select((p) => p[0])), [3, 5]);
    assert.deepEqual(keys(base.where((p) => or(isString(p[1]), eq(p[0], 1))).select((p) => p[0])), [1, 2, 4]);
    assert.deepEqual(keys(base.where((p) => not(isNumber(p[1]))).where((p) => ne(p[0], 2)).select((p) => p[0])), [4]);
    assert.deepEqual(keys(base.where((p) => isTuple(p)).select((p) => p[0])), [1, 2, 3, 4, 5]);
  });
});

test('select: numbers sort before strings in comparisons, as in the term order', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<Pair>();
    t.insertMany([[1, 10], [2, 'two']]);
    assert.deepEqual(t.select(matchSpec<Pair>().where((p) => gt(p[1], 1000)).select((p) => p[0])), [2]);
  });
});

test('select: an orderedSet answers in key order, whatever the insertion order', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<User>({ type: 'orderedSet', keyPos: 'id' });
    t.insertMany(users);
    assert.deepEqual(t.select(matchSpec<User>().select((u) => u.id)), [1, 2, 3, 4]);
  });
});

test('select: a pattern with a bound key reads that key only, as does an eq guard on the key', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<Pair>({ type });
      let reads = 0;
      // Records whose key counts its reads: a scan would read every record's key, a lookup one.
      const counted = (key: number, value: string): Pair => {
        const r: Pair = [0, value];
        Object.defineProperty(r, 0, { get: () => (reads++, key), enumerable: true });
        return r;
      };
      t.insertMany([counted(1, 'a'), counted(2, 'b'), counted(3, 'c')]);
      reads = 0;
      assert.deepEqual(t.select(matchSpec<Pair>().match([2, _]).select((p) => p[1])), ['b']);
      assert.equal(reads, 1, `${type}: the pattern's bound key`);
      reads = 0;
      assert.deepEqual(t.select(matchSpec<Pair>().where((p) => eq(p[0], 3)).select((p) => p[1])), ['c']);
      assert.equal(reads, 1, `${type}: the guard's bound key`);
      reads = 0;
      assert.deepEqual(t.select(matchSpec<Pair>().where((p) => gt(p[0], 2)).select((p) => p[1])), ['c']);
      assert.ok(reads >= 3, `${type}: an unbound key scans`);
    }
  });
});

// ets_SUITE: `{[{key, 1}], '$end_of_table'} = ets:select(T, MS, 100000)`: the chunk the table ran out in is the last.
test('ets_SUITE select_bound_chunk: a bound key with a limit gives one chunk whose continuation is the end', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<[number, string]>({ type });
      for (let i = 0; i < 100; i++) t.insert([i, 'x']);
      const chunk = t.select(matchSpec<[number, string]>().match([50, _]), 10);
      assert.deepEqual(chunk?.rows, [[50, 'x']]);
      assert.equal(chunk!.continuation, undefined, `${type}: the chunk is {Rows, '$end_of_table'}`);
      assert.equal(t.select(chunk!.continuation), undefined);
      assert.equal(t.select(matchSpec<[number, string]>().match([500, _]), 10), undefined);
    }
  });
});

test('select with a limit: chunks cover every match once, in key order for an orderedSet', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<Pair>({ type });
      for (let i = 0; i < 95; i++) t.insert([i, i]);
      const spec = matchSpec<Pair>().where((p) => ge(p[1], 5)).select((p) => p[0]);
      const seen: number[] = [];
      let chunk = t.select(spec, 10);
      while (chunk !== undefined) {
        assert.ok(chunk.rows.length <= 10);
        seen.push(...chunk.rows);
        chunk = t.select(chunk.continuation);
      }
      assert.equal(seen.length, 90, type);
      assert.deepEqual(sorted(seen.map(String)), sorted(Array.from({ length: 90 }, (_x, i) => String(i + 5))));
      if (type === 'orderedSet') assert.deepEqual(seen, Array.from({ length: 90 }, (_x, i) => i + 5));
    }
  });
});

// As ETS: a chunk that came out short (the walk reached the table's end) has the end for its continuation; a full
// one keeps a continuation even when nothing is left, and that continuation answers the end.
test('select and selectReverse with a limit: the short last chunk has no continuation, a full one does', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<Pair>({ type });
      for (let i = 0; i < 25; i++) t.insert([i, i]);
      const spec = matchSpec<Pair>().select((p) => p[0]);
      for (const select of [(s: typeof spec, n: number) => t.select(s, n), (s: typeof spec, n: number) => t.selectReverse(s, n)]) {
        const first = select(spec, 10)!;
        const second = t.select(first.continuation)!;
        const third = t.select(second.continuation)!;
        assert.deepEqual([first.rows.length, second.rows.length, third.rows.length], [10, 10, 5], type);
        assert.notEqual(second.continuation, undefined, `${type}: a full chunk goes on`);
        assert.equal(third.continuation, undefined, `${type}: the short chunk is {Rows, '$end_of_table'}`);
        assert.equal(t.select(third.continuation), undefined);
        assert.equal(t.selectReverse(third.continuation), undefined);
        const whole = select(spec, 25)!;
        assert.equal(whole.rows.length, 25);
        assert.notEqual(whole.continuation, undefined, `${type}: a chunk of exactly the limit keeps a continuation`);
        assert.equal(t.select(whole.continuation), undefined, `${type}: which answers the end`);
      }
    }
  });
});

test('ets_SUITE t_bucket_disappears: deleting a record between chunks does not break the continuation', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<[string, number, number]>({ type, keyPos: 1 });
      t.insertMany([['abcd', 1, 2], ['abcd', 2, 2], ['abcd', 3, 2]]);
      const first = t.select(matchSpec<[string, number, number]>().where((r) => lt(r[1], 10)).select((r) => r[1]), 1);
      t.delete(2);
      const rest: number[] = [];
      for (let c = first && t.select(first.continuation); c !== undefined; c = t.select(c.continuation)) rest.push(...c.rows);
      assert.ok(!rest.includes(2), type);
      assert.equal(rest.length + 1, 2, type);
    }
  });
});

test('select: an orderedSet continuation can be used again and gives the same chunk', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<Pair>({ type: 'orderedSet' });
    for (let i = 0; i < 20; i++) t.insert([i, i]);
    const first = t.select(matchSpec<Pair>().select((p) => p[0]), 5)!;
    assert.deepEqual(t.select(first.continuation)?.rows, [5, 6, 7, 8, 9]);
    assert.deepEqual(t.select(first.continuation)?.rows, [5, 6, 7, 8, 9]);
  });
});

test('select: a continuation of any table type can be used again and gives the same chunk (an ETS continuation is a value)', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'bag', 'duplicateBag'] as const) {
      const t = ctx.newTable<Pair>({ type });
      for (let i = 0; i < 20; i++) t.insert([i, i]);
      const spec = matchSpec<Pair>().select((p) => p[0]);
      const first = t.select(spec, 5)!;
      const second = t.select(first.continuation)!;
      const again = t.select(first.continuation)!;
      assert.deepEqual(again.rows, second.rows, `${type}: the same chunk again`);
      // Both continuations after it go on alike, and the walk still covers every record once.
      const rest = (c: runtime.SelectContinuation<number> | undefined): number[] => {
        const out: number[] = [];
        for (let chunk = t.select(c); chunk !== undefined; chunk = t.select(chunk.continuation)) out.push(...chunk.rows);
        return out;
      };
      const afterSecond = rest(second.continuation);
      assert.deepEqual(rest(again.continuation), afterSecond, type);
      assert.deepEqual([...first.rows, ...second.rows, ...afterSecond].sort((a, b) => a - b), [...Array(20).keys()], type);
      // A bound key's chunks in a bag too.
      for (let i = 0; i < 6; i++) t.insert([99, 100 + i]);
      const bound = t.select(matchSpec<Pair>().match([99, _]).select((p) => p[1]), 2)!;
      assert.deepEqual(t.select(bound.continuation)?.rows, t.select(bound.continuation)?.rows, `${type}: bound key`);
    }
  });
});

test('ets_SUITE select_fail: a bad limit or another table\'s continuation is badarg', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<Pair>();
    const u = ctx.newTable<Pair>();
    t.insertMany([[1, 1], [2, 2]]);
    const badarg = (e: unknown): boolean => (e as RuntimeError).code === 'badarg';
    assert.throws(() => t.select(matchSpec<Pair>(), 0), badarg);
    assert.throws(() => t.select(matchSpec<Pair>(), 1.5), badarg);
    const chunk = t.select(matchSpec<Pair>(), 1)!;
    assert.throws(() => u.select(chunk.continuation), badarg);
    t.drop();
    assert.throws(() => t.select(matchSpec<Pair>()), badarg);
  });
});

test('ets_SUITE t_select_delete: selectDelete removes what the pattern and guards accept; selectCount counts it', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<Pair>({ type });
      for (let i = 0; i < 50; i++) t.insert([i, i % 2 === 0 ? 'even' : i]);
      const odd = matchSpec<Pair>().where((p) => isNumber(p[1]));
      assert.equal(t.selectCount(odd), 25, type);
      assert.equal(t.selectDelete(odd), 25, type);
      assert.equal(t.size, 25);
      assert.equal(t.selectCount(odd), 0);
      assert.equal(t.selectDelete(matchSpec<Pair>().match([4, _])), 1);
      assert.equal(t.member(4), false);
    }
  });
});

test('selectDelete needs write access, like every write', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<Pair>({ name: 'guarded' });
    t.insert([1, 1]);
    const code = await new Promise<string>((resolve) => {
      ctx.spawn(async (c) => {
        const other = c.table<Pair>('guarded');
        assert.equal(other.selectCount(matchSpec<Pair>()), 1);
        try {
          other.selectDelete(matchSpec<Pair>());
          resolve('deleted');
        } catch (e) {
          resolve((e as RuntimeError).code);
        }
      });
    });
    assert.equal(code, 'access');
    assert.equal(t.size, 1);
  });
});

test('ets_SUITE match_delete: matchDelete removes the records matching a pattern, in a bag too', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[string, number]>({ type: 'bag' });
    t.insertMany([['a', 1], ['a', 2], ['b', 1], ['c', 3]]);
    assert.equal(t.matchDelete([_, 1]), 2);
    assert.deepEqual(sorted(t.toList().map((r) => r.join())), ['a,2', 'c,3']);
    assert.equal(t.matchDelete(['a', _]), 1);
    assert.equal(t.size, 1);
  });
});

test('select: an object pattern matches partially, nested patterns may hold wildcards', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<User>({ keyPos: 'id' });
    t.insertMany(users);
    assert.deepEqual(t.select(matchSpec<User>().match({ tags: ['b', _] }).select((u) => u.id)), [2]);
    assert.deepEqual(t.select(matchSpec<User>().match({ name: 'dan' }).select((u) => u.age)), [52]);
  });
});

test('the example of docs/tables.md runs and leaves the table it describes', async () => {
  const doc = readFileSync(new URL('../../../docs/tables.md', import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block !== undefined, 'the doc has a ts example');
  const imports = /^import \{([^}]*)\} from '@otp-ts\/runtime';\n/m.exec(block);
  assert.ok(imports !== null, 'the example imports from @otp-ts/runtime');
  const body = transformSync(`${block.replace(imports[0], '')}\nreturn users.toList();`, { loader: 'ts' }).code;
  const names = imports[1]!.split(',').map((n) => n.trim());
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
  const run = new AsyncFunction('ctx', ...names, body);
  const left = await inProcess((ctx) => run(ctx, ...names.map((n) => (runtime as Record<string, unknown>)[n])));
  assert.deepEqual(left, [[2, 'bob', 25, 'user']]);
});

test('select on an orderedSet sees every write made since the previous select', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<Pair>({ type: 'orderedSet' });
    const all = matchSpec<Pair>().select((p) => p[1]);
    t.insertMany([[2, 'b'], [1, 'a']]);
    assert.deepEqual(t.select(all), ['a', 'b']);
    t.insert([0, 'z']);
    assert.deepEqual(t.select(all), ['z', 'a', 'b']);
    t.insert([1, 'A']);
    t.delete(2);
    assert.deepEqual(t.select(all), ['z', 'A']);
    t.deleteObject([0, 'z']);
    t.insertNew([3, 'c']);
    assert.deepEqual(t.select(all), ['A', 'c']);
    t.deleteAllObjects();
    assert.deepEqual(t.select(all), []);
  });
});

test('select with a limit chunks the records of one bound key in a bag too', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<Pair>({ type: 'bag' });
    for (let i = 0; i < 5; i++) t.insert([7, i]);
    t.insert([8, 0]);
    const first = t.select(matchSpec<Pair>().match([7, _]).select((p) => p[1]), 2)!;
    const second = t.select(first.continuation)!;
    const third = t.select(second.continuation)!;
    assert.deepEqual([first.rows, second.rows, third.rows], [[0, 1], [2, 3], [4]]);
    assert.equal(t.select(third.continuation), undefined);
  });
});
