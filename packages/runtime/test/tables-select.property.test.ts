// Model-based tests of match specs (issue 17): random writes and random specs — patterns with and without
// a bound key, guards over the term order, result shapes — run against a set, an orderedSet and a bag, each
// answer compared with a plain model of the table: select, selectReverse, chunked selects and their
// continuations (also with writes between chunks), selectCount, selectDelete, matchDelete, selectReplace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { _, and, eq, ge, gt, isString, le, lt, matchSpec, ne, not, or, matchSpecRun, type Expr, type Field, type MatchSpec, type Table, type TableType } from '@otp-ts/runtime';
import { inProcess } from './helpers.ts';

type Key = number | string;
type Row = [key: Key, n: number, tag: string];

const KEYS: Key[] = [0, 1, 2, 3, 5, 8, 13, 'a', 'b', 'ab', 'c'];
const TAGS = ['x', 'y', 'z'];

// The term order of the keys used here: numbers before strings, numbers numerically, strings by code unit.
function compare(a: Key, b: Key): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

// A guard, described as data so the model can evaluate it without the runtime.
type Guard =
  | { op: 'true' }
  | { op: 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne'; field: 0 | 1; c: Key }
  | { op: 'tag'; c: string }
  | { op: 'isString' }
  | { op: 'and' | 'or'; a: Guard; b: Guard }
  | { op: 'not'; a: Guard };
type Result = 'row' | 'key' | 'pair' | 'shape';
// A spec: an optional bound key and tag in the pattern, a guard, a result shape.
interface Spec {
  key: Key | undefined;
  tag: string | undefined;
  guard: Guard;
  result: Result;
}

const key = fc.constantFrom(...KEYS);
const tag = fc.constantFrom(...TAGS);
const row = fc.tuple(key, fc.integer({ min: 0, max: 9 }), tag) as fc.Arbitrary<Row>;
const { guard } = fc.letrec<{ guard: Guard }>((tie) => ({
  guard: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.constant({ op: 'true' } as Guard), weight: 3 },
    fc.record({ op: fc.constantFrom('gt', 'ge', 'lt', 'le', 'eq', 'ne'), field: fc.constant(1 as const), c: fc.integer({ min: -1, max: 10 }) }),
    fc.record({ op: fc.constantFrom('gt', 'ge', 'lt', 'le', 'eq', 'ne'), field: fc.constant(0 as const), c: key }),
    fc.record({ op: fc.constant('tag' as const), c: tag }),
    fc.constant({ op: 'isString' } as Guard),
    fc.record({ op: fc.constantFrom('and', 'or'), a: tie('guard'), b: tie('guard') }),
    fc.record({ op: fc.constant('not' as const), a: tie('guard') }),
  ) as fc.Arbitrary<Guard>,
}));
const spec: fc.Arbitrary<Spec> = fc.record({
  key: fc.option(key, { nil: undefined, freq: 4 }),
  tag: fc.option(tag, { nil: undefined, freq: 3 }),
  guard,
  result: fc.constantFrom<Result>('row', 'key', 'pair', 'shape'),
});

// The model's reading of a guard.
function holds(g: Guard, r: Row): boolean {
  switch (g.op) {
    case 'true':
      return true;
    case 'tag':
      return r[2] === g.c;
    case 'isString':
      return typeof r[0] === 'string';
    case 'and':
      return holds(g.a, r) && holds(g.b, r);
    case 'or':
      return holds(g.a, r) || holds(g.b, r);
    case 'not':
      return !holds(g.a, r);
    default: {
      const c = compare(r[g.field], g.c);
      return { gt: c > 0, ge: c >= 0, lt: c < 0, le: c <= 0, eq: c === 0, ne: c !== 0 }[g.op];
    }
  }
}
const accepts = (s: Spec, r: Row): boolean => (s.key === undefined || r[0] === s.key) && (s.tag === undefined || r[2] === s.tag) && holds(s.guard, r);
function project(s: Spec, r: Row): unknown {
  if (s.result === 'row') return r;
  if (s.result === 'key') return r[0];
  if (s.result === 'pair') return [r[0], r[2]];
  return { k: r[0], n: r[1], kind: 'row' };
}

// The same spec built with the runtime's builder.
function build(s: Spec): MatchSpec<Row, unknown> {
  const guardOf = (g: Guard, u: Field<Row>): Expr<boolean> | boolean => {
    switch (g.op) {
      case 'true':
        return true;
      case 'tag':
        return eq(u[2], g.c);
      case 'isString':
        return isString(u[0]);
      case 'and':
        return and(guardOf(g.a, u), guardOf(g.b, u));
      case 'or':
        return or(guardOf(g.a, u), guardOf(g.b, u));
      case 'not':
        return not(guardOf(g.a, u));
      default:
        return { gt, ge, lt, le, eq, ne }[g.op]<unknown>(u[g.field], g.c);
    }
  };
  let m = matchSpec<Row>();
  if (s.key !== undefined || s.tag !== undefined) m = m.match([s.key ?? _, _, s.tag ?? _]);
  const w = s.guard.op === 'true' ? m : m.where((u) => guardOf(s.guard, u) as Expr<boolean>);
  if (s.result === 'row') return w;
  if (s.result === 'key') return w.select((u) => u[0]);
  if (s.result === 'pair') return w.select((u) => [u[0], u[2]]);
  return w.select((u) => ({ k: u[0], n: u[1], kind: 'row' }));
}

// The model: the rows in insertion order per key (a set and an orderedSet keep one per key, a bag distinct ones).
class Model {
  rows: Row[] = [];
  constructor(readonly type: TableType) {}
  insert(r: Row): void {
    if (this.type === 'bag') {
      if (!this.rows.some((x) => x[0] === r[0] && x[1] === r[1] && x[2] === r[2])) this.rows.push(r);
      return;
    }
    const i = this.rows.findIndex((x) => x[0] === r[0]);
    if (i >= 0) this.rows[i] = r;
    else this.rows.push(r);
  }
  delete(k: Key): void {
    this.rows = this.rows.filter((x) => x[0] !== k);
  }
  // Rows in the order a select over the real table must answer them: key order for an orderedSet.
  ordered(): Row[] {
    return this.type === 'orderedSet' ? [...this.rows].sort((a, b) => compare(a[0], b[0])) : this.rows;
  }
  select(s: Spec): unknown[] {
    return this.ordered().filter((r) => accepts(s, r)).map((r) => project(s, r));
  }
}

type Op =
  | { op: 'insert'; row: Row }
  | { op: 'delete'; key: Key }
  | { op: 'select' | 'reverse' | 'count' | 'selectDelete' | 'matchDelete'; spec: Spec }
  | { op: 'chunks'; spec: Spec; limit: number; reverse: boolean; writes: Array<Row | Key> }
  | { op: 'replace'; spec: Spec; n: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('insert' as const), row }), weight: 6 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), key }), weight: 2 },
  ...(['select', 'reverse', 'count', 'selectDelete', 'matchDelete'] as const).map((o) => ({ arbitrary: fc.record({ op: fc.constant(o), spec }), weight: o === 'select' ? 3 : 1 })),
  { arbitrary: fc.record({ op: fc.constant('chunks' as const), spec, limit: fc.integer({ min: 1, max: 4 }), reverse: fc.boolean(), writes: fc.array(fc.oneof(row, key), { maxLength: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('replace' as const), spec, n: fc.integer({ min: 0, max: 9 }) }), weight: 1 },
);

// Results of a set or a bag come in no promised order: compare them as multisets.
const canon = (xs: unknown[]): string[] => xs.map((x) => JSON.stringify(x)).sort();
function same(type: TableType, got: unknown[], want: unknown[], what: string): void {
  if (type === 'orderedSet') assert.deepEqual(got, want, what);
  else assert.deepEqual(canon(got), canon(want), what);
}

function write(t: Table<Row>, m: Model, w: Row | Key): void {
  if (Array.isArray(w)) {
    t.insert(w);
    m.insert(w);
  } else {
    t.delete(w);
    m.delete(w);
  }
}

// A chunked select (forward or reverse) with writes between chunks. For an orderedSet each chunk is the next
// `limit` results past the last key answered, in the table as it is then; for a set or a bag every result is
// a row present when it was answered, none twice unless written again, and every row present throughout is answered.
function chunks(t: Table<Row>, m: Model, o: Extract<Op, { op: 'chunks' }>): void {
  const s = { ...o.spec, result: 'row' as const };
  const real = build(s) as MatchSpec<Row, Row>;
  const answered: Row[] = [];
  const rewritten = new Set<Key>();
  const throughout = new Set(m.rows.map((r) => JSON.stringify(r)));
  let chunk = o.reverse ? t.selectReverse(real, o.limit) : t.select(real, o.limit);
  const writes = [...o.writes];
  for (let round = 0; chunk !== undefined; round++) {
    assert.ok(round < 100, 'a chunked select ends');
    assert.ok(chunk.rows.length >= 1 && chunk.rows.length <= o.limit, `a chunk holds 1 to ${o.limit} rows, got ${chunk.rows.length}`);
    const now = new Set(m.rows.map((r) => JSON.stringify(r)));
    for (const r of chunk.rows) assert.ok(now.has(JSON.stringify(r)) && accepts(s, r), `chunk row ${JSON.stringify(r)} is in the table and matches`);
    if (m.type === 'orderedSet' && s.key === undefined) {
      const last = answered.at(-1)?.[0];
      const past = (r: Row): boolean => last === undefined || (o.reverse ? compare(r[0], last) < 0 : compare(r[0], last) > 0);
      const rest = m.select(s).filter((r) => past(r as Row)) as Row[];
      assert.deepEqual(chunk.rows, (o.reverse ? rest.reverse() : rest).slice(0, o.limit), 'an orderedSet chunk is the next rows past the last key answered');
    }
    answered.push(...chunk.rows);
    const w = writes.shift();
    if (w !== undefined) {
      write(t, m, w);
      rewritten.add(Array.isArray(w) ? w[0] : w);
      for (const r of [...throughout]) if (!m.rows.some((x) => JSON.stringify(x) === r)) throughout.delete(r);
    }
    chunk = o.reverse ? t.selectReverse(chunk.continuation) : t.select(chunk.continuation);
  }
  for (const w of writes) write(t, m, w);
  const seen = answered.map((r) => JSON.stringify(r));
  for (const r of answered) if (!rewritten.has(r[0])) assert.equal(seen.filter((x) => x === JSON.stringify(r)).length, 1, `row ${JSON.stringify(r)} answered once`);
  for (const r of throughout) {
    const parsed = JSON.parse(r) as Row;
    if (accepts(s, parsed) && !rewritten.has(parsed[0])) assert.ok(seen.includes(r), `row ${r}, present throughout, is answered`);
  }
}

function apply(t: Table<Row>, m: Model, o: Op): void {
  switch (o.op) {
    case 'insert':
      return write(t, m, o.row);
    case 'delete':
      return write(t, m, o.key);
    case 'select':
      same(m.type, t.select(build(o.spec)), m.select(o.spec), `select ${JSON.stringify(o.spec)}`);
      // The same spec over a plain list answers in list order (ets:match_spec_run).
      assert.deepEqual(matchSpecRun(m.rows, build(o.spec)), m.rows.filter((r) => accepts(o.spec, r)).map((r) => project(o.spec, r)), 'matchSpecRun');
      return;
    case 'reverse': {
      const want = m.select(o.spec);
      same(m.type, t.selectReverse(build(o.spec)), m.type === 'orderedSet' ? want.reverse() : want, `selectReverse ${JSON.stringify(o.spec)}`);
      return;
    }
    case 'count':
      assert.equal(t.selectCount(build(o.spec)), m.rows.filter((r) => accepts(o.spec, r)).length, `selectCount ${JSON.stringify(o.spec)}`);
      return;
    case 'selectDelete': {
      const n = m.rows.filter((r) => accepts(o.spec, r)).length;
      assert.equal(t.selectDelete(build(o.spec)), n, `selectDelete ${JSON.stringify(o.spec)}`);
      m.rows = m.rows.filter((r) => !accepts(o.spec, r));
      return;
    }
    case 'matchDelete': {
      const p = { ...o.spec, guard: { op: 'true' } as Guard };
      const n = m.rows.filter((r) => accepts(p, r)).length;
      assert.equal(t.matchDelete([p.key ?? _, _, p.tag ?? _]), n, `matchDelete ${JSON.stringify(p)}`);
      m.rows = m.rows.filter((r) => !accepts(p, r));
      return;
    }
    case 'chunks':
      return chunks(t, m, o);
    case 'replace': {
      const s = { ...o.spec, result: 'row' as const };
      const spec = (build(s) as MatchSpec<Row, Row>).select((u) => [u[0], o.n, u[2]]);
      if (m.type === 'bag') {
        assert.throws(() => t.selectReplace(spec), /bag/);
        return;
      }
      const n = m.rows.filter((r) => accepts(s, r)).length;
      assert.equal(t.selectReplace(spec), n, `selectReplace ${JSON.stringify(s)}`);
      m.rows = m.rows.map((r) => (accepts(s, r) ? [r[0], o.n, r[2]] : r));
      return;
    }
  }
}

for (const type of ['set', 'orderedSet', 'bag'] as const) {
  test(`ets_SUITE (model): a ${type} answers select, selectReverse, chunks, counts and deletes as a model of its rows does`, async () => {
    await inProcess(async (ctx) => {
      fc.assert(
        // A table filled first, so that specs match several rows and chunks are several.
        fc.property(fc.array(row, { minLength: 4, maxLength: 24 }), fc.array(op, { maxLength: 40 }), (fill, ops) => {
          const t = ctx.newTable<Row>({ type });
          const m = new Model(type);
          try {
            for (const r of fill) write(t, m, r);
            for (const o of ops) {
              apply(t, m, o);
              same(type, t.toList(), m.ordered(), 'the rows after each step');
            }
          } finally {
            t.drop();
          }
        }),
        { numRuns: 300 },
      );
    });
  });
}

test('ets_SUITE t_bucket_disappears (bag): rows deleted between chunks, by key or one by one, are not answered later', async () => {
  await inProcess(async (ctx) => {
    for (const bound of [false, true]) {
      const t = ctx.newTable<Row>({ type: 'bag' });
      t.insertMany([['a', 0, 'x'], ['a', 1, 'x'], ['a', 2, 'x'], [3, 0, 'x'], [3, 1, 'x'], [3, 2, 'x']]);
      const spec = bound ? matchSpec<Row>().match([3, _, _]) : matchSpec<Row>();
      const first = t.select(spec, 1)!;
      const gone: Row = first.rows[0]![0] === 3 ? [3, first.rows[0]![1] === 2 ? 1 : 2, 'x'] : [3, 1, 'x'];
      t.deleteObject(gone);
      if (!bound) t.delete('a');
      const rest: Row[] = [];
      for (let c = t.select(first.continuation); c !== undefined; c = t.select(c.continuation)) rest.push(...c.rows);
      const still = canon([...first.rows, ...rest]);
      assert.ok(!still.includes(JSON.stringify(gone)), `${JSON.stringify(gone)} was deleted before it was answered (bound key: ${bound})`);
      if (!bound) for (const r of rest) assert.notEqual(r[0], 'a', `the rows of 'a' were deleted before the second chunk: ${JSON.stringify(r)}`);
      t.drop();
    }
  });
});
