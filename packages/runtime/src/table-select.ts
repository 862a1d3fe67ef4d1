import { RuntimeError, describeBrief } from './errors.js';
import { NO_MATCH, type CompiledSpec } from './table-match.js';
import { isBag, type TableStore } from './table-store.js';

const CURSOR: unique symbol = Symbol('selectCursor');

/** Where a chunked `select` stopped; pass it back to `select` for the next chunk. */
export interface SelectContinuation<T> {
  readonly [CURSOR]: Cursor<T>;
}

/** One chunk of a `select` with a limit: at most `limit` results and where to go on from. */
export interface SelectChunk<T> {
  /** The results of this chunk, in table order. */
  readonly rows: T[];
  /** Pass to `select` for the next chunk; `undefined` on a chunk the table ran out in before it was full (ETS's `'$end_of_table'`). */
  readonly continuation: SelectContinuation<T> | undefined;
}

interface Cursor<T> {
  readonly store: TableStore;
  readonly spec: CompiledSpec<T>;
  readonly limit: number;
  // selectReverse: an orderedSet is walked from its last key down (other types have no order to reverse).
  readonly reverse: boolean;
  // orderedSet: the last key visited; other types: a live iterator over the records (Map iterators survive writes),
  // shared by the continuations of one select, and how many records this continuation had read from it.
  after: { key: unknown } | undefined;
  iter: Walk | undefined;
  read: number;
  done: boolean;
}

// A select's walk over a set or bag: the iterator and how many records it has given.
interface Walk {
  readonly records: () => Iterator<unknown>;
  iter: Iterator<unknown>;
  read: number;
}

// The walk, positioned where continuation `c` stopped: a continuation used again (an ETS continuation is a value)
// walks afresh to its place instead of going on from wherever a later chunk left the shared iterator.
function walkFrom(walk: Walk, read: number): Walk {
  if (walk.read === read) return walk;
  const iter = walk.records();
  for (let i = 0; i < read && iter.next().done !== true; i++);
  return { records: walk.records, iter, read };
}

/** True when a value is a continuation returned by `select` with a limit. */
export function isContinuation(v: unknown): v is SelectContinuation<unknown> {
  return typeof v === 'object' && v !== null && CURSOR in v;
}

/** Calls `visit` on each record the spec's bound key or a full scan reaches, in table order; stops when it returns false. */
function scan(store: TableStore, spec: CompiledSpec<unknown>, visit: (record: unknown) => boolean | void): void {
  if (spec.boundKey !== undefined) {
    for (const r of store.records(spec.boundKey.key)) if (visit(r) === false) return;
  } else if (store.type === 'orderedSet') {
    store.walkInOrder(visit);
  } else if (isBag(store.type)) {
    for (const list of store.data.values()) for (const r of list as unknown[]) if (visit(r) === false) return;
  } else {
    for (const r of store.data.values()) if (visit(r) === false) return;
  }
}

/** Every result of a spec over a table. */
export function selectAll<T>(store: TableStore, spec: CompiledSpec<T>): T[] {
  const out: T[] = [];
  const run = spec.run;
  scan(store, spec, (r) => {
    const v = run(r);
    if (v !== NO_MATCH) out.push(v);
  });
  return out;
}

/** Every result of a spec over a table, in reverse key order for an orderedSet (as `selectAll` otherwise, as ETS's select_reverse). */
export function selectAllReverse<T>(store: TableStore, spec: CompiledSpec<T>): T[] {
  if (store.type !== 'orderedSet' || spec.boundKey !== undefined) return selectAll(store, spec);
  const out: T[] = [];
  const run = spec.run;
  store.walkInReverse((r) => {
    const v = run(r);
    if (v !== NO_MATCH) out.push(v);
  });
  return out;
}

/**
 * Replaces each record the spec matches by its result (ETS's select_replace); returns how many. Every result
 * must keep its record's key: otherwise nothing is replaced and `badarg` names the key. Not for bags, as in ETS.
 */
export function selectReplace(store: TableStore, spec: CompiledSpec<unknown>): number {
  if (isBag(store.type)) throw new RuntimeError('badarg', `selectReplace works on set and orderedSet tables, and '${store.label}' is a ${store.type}: use selectDelete and insert`);
  const keys: unknown[] = [];
  const next: unknown[] = [];
  const run = spec.run;
  scan(store, spec, (r) => {
    const v = run(r);
    if (v === NO_MATCH) return;
    keys.push(store.keyOf(r));
    next.push(v);
  });
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    let nextKey: unknown;
    try {
      nextKey = store.keyOf(next[i]);
    } catch {
      throw new RuntimeError('badarg', `selectReplace on '${store.label}': the result for key ${describeBrief(key)} is not a record with a key; nothing was replaced`);
    }
    if (nextKey !== key && store.slot(key) !== store.slot(nextKey)) {
      throw new RuntimeError('badarg', `selectReplace on '${store.label}' must keep each record's key, but changes ${describeBrief(key)} to ${describeBrief(nextKey)}; nothing was replaced`);
    }
  }
  store.replaceSameKey(keys, next);
  return keys.length;
}

/** How many records a spec's pattern and guard accept. */
export function selectCount(store: TableStore, spec: CompiledSpec<unknown>): number {
  let n = 0;
  const test = spec.test;
  scan(store, spec, (r) => {
    if (test(r)) n++;
  });
  return n;
}

/** Deletes the records a spec's pattern and guard accept; returns how many. */
export function selectDelete(store: TableStore, spec: CompiledSpec<unknown>): number {
  const found: unknown[] = [];
  const test = spec.test;
  scan(store, spec, (r) => {
    if (test(r)) found.push(r);
  });
  for (const r of found) store.removeObject(r);
  return found.length;
}

/** The first chunk of at most `limit` results, or undefined when nothing matches. */
export function selectFirst<T>(store: TableStore, spec: CompiledSpec<T>, limit: number, reverse = false): SelectChunk<T> | undefined {
  if (!Number.isInteger(limit) || limit < 1) throw new RuntimeError('badarg', `select limit must be a positive integer, got ${describeBrief(limit)}`);
  return selectNext<T>({ [CURSOR]: { store, spec, limit, reverse, after: undefined, iter: undefined, read: 0, done: false } });
}

/** The chunk after a continuation, or undefined at the end of the table. */
export function selectNext<T>(continuation: SelectContinuation<T>): SelectChunk<T> | undefined {
  // A copy: a continuation can then be used again and answers the same chunk, as an ETS continuation (a value) does.
  const c = { ...continuation[CURSOR] };
  if (c.done) return undefined;
  const rows: T[] = [];
  const { store, spec, limit } = c;
  if (store.type === 'orderedSet' && spec.boundKey === undefined && c.reverse) {
    // Resume below the last key seen, walking down.
    let i = store.sorted.length - 1;
    if (c.after !== undefined) {
      const at = store.search(c.after.key);
      i = at >= 0 ? at - 1 : -at - 2;
    }
    for (; i >= 0 && rows.length < limit; i--) {
      const v = spec.run(store.data.get(store.slot(store.sorted[i])));
      if (v !== NO_MATCH) rows.push(v);
    }
    if (i + 1 < store.sorted.length) c.after = { key: store.sorted[i + 1] };
    c.done = i < 0;
  } else if (store.type === 'orderedSet' && spec.boundKey === undefined) {
    // Resume after the last key seen, so that writes between chunks neither repeat nor skip the rest.
    let i = c.after === undefined ? 0 : store.search(c.after.key);
    if (c.after !== undefined) i = i >= 0 ? i + 1 : -i - 1;
    for (; i < store.sorted.length && rows.length < limit; i++) {
      const v = spec.run(store.data.get(store.slot(store.sorted[i])));
      if (v !== NO_MATCH) rows.push(v);
    }
    if (i > 0) c.after = { key: store.sorted[i - 1] };
    c.done = i >= store.sorted.length;
  } else {
    const records = (): Iterator<unknown> => (spec.boundKey !== undefined ? keyRecords(store, spec.boundKey.key) : isBag(store.type) ? bagRecords(store) : store.data.values());
    const walk = c.iter === undefined ? { records, iter: records(), read: 0 } : walkFrom(c.iter, c.read);
    while (rows.length < limit) {
      const step = walk.iter.next();
      if (step.done === true) {
        c.done = true;
        break;
      }
      walk.read++;
      const v = spec.run(step.value);
      if (v !== NO_MATCH) rows.push(v);
    }
    c.iter = walk;
    c.read = walk.read;
  }
  // A chunk that found nothing before the end is the end, as ets:select answers '$end_of_table'; one the table ran
  // out in before it was full is the last, its continuation the end, as ets:select answers {Rows, '$end_of_table'}.
  if (rows.length === 0) return undefined;
  return { rows, continuation: rows.length < limit ? undefined : { [CURSOR]: c } };
}

/** The store a continuation reads. */
export function continuationStore(continuation: SelectContinuation<unknown>): TableStore {
  return continuation[CURSOR].store;
}

// Whether `record`, read from `list` (the records of slot `k` when the walk reached them), is still in the
// table: a bag's list only grows in place, a deletion replaces or removes it.
function stillThere(store: TableStore, k: unknown, list: unknown, record: unknown): boolean {
  const now = store.data.get(k);
  return now === list || now === record || (Array.isArray(now) && now.includes(record));
}

// A bag's records for a continuation: the Map's live iterator over keys, and each record checked when it is
// read, so that records deleted between chunks are not answered (as ETS skips them).
function* bagRecords(store: TableStore): Generator<unknown> {
  for (const [k, list] of store.data) for (const r of list as unknown[]) if (stillThere(store, k, list, r)) yield r;
}

// A bound key's records for a continuation, each checked when it is read (a bag's key may hold many).
function* keyRecords(store: TableStore, key: unknown): Generator<unknown> {
  const k = store.slot(key);
  const list = store.data.get(k);
  for (const r of store.records(key)) if (stillThere(store, k, list, r)) yield r;
}
