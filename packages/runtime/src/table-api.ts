import type { Pid } from './pid.js';
import type { MatchSpec } from './table-match.js';
import type { SelectChunk, SelectContinuation } from './table-select.js';
import type { TableAccess, TableHeir, TableType } from './table-store.js';

export type { TableAccess, TableHeir, TableType } from './table-store.js';

/** What `info` reports of a table's fixation: `since` (ms since the epoch) and each fixing process with its count (ets:info(T, safe_fixed)). */
export interface SafeFixed {
  since: number;
  fixers: Array<[pid: Pid, count: number]>;
}


/** The message a process receives when a table becomes its own (ETS's `{'ETS-TRANSFER', Tab, FromPid, Data}`). */
export class TableTransfer<R = unknown> {
  /** Tag for readable pattern matching and logs. */
  readonly type = 'ETS-TRANSFER' as const;
  constructor(
    /** The receiver's handle on the table it now owns. */
    readonly table: Table<R>,
    /** The previous owner (the one that gave it away, or the one that exited). */
    readonly from: Pid,
    /** The heir data or the gift data. */
    readonly data: unknown,
  ) {}
}

/** True when a message is a table transfer (from `giveAway` or an heir's inheritance). */
export function isTableTransfer(message: unknown): message is TableTransfer {
  return message instanceof TableTransfer;
}

/** Options of `newTable`. */
export interface TableOptions {
  /** `'set'` (default): one record per key; `'orderedSet'`: iterated in key order; `'bag'`: many distinct records per key; `'duplicateBag'`: equal records too. */
  type?: TableType;
  /** `'protected'` by default, as in ETS. */
  access?: TableAccess;
  /** Register the table under a name other processes can open it by. */
  name?: string;
  /** Where the key sits in a record: an index for tuple records (default 0) or a property name for object records. */
  keyPos?: number | string;
  /** The process that inherits the table when the owner exits; `'none'` (default) deletes the table then. */
  heir?: TableHeir;
}

/** Options of `updateCounter`. */
export interface UpdateCounterOptions<R> {
  /** The element to increment: an index or a property (default: the one after the key for tuples). */
  pos?: number | string;
  /** The record inserted first when the key is missing, its key element replaced by the key (otherwise a missing key throws `badarg`). */
  default?: R;
}

/** One update of `updateCounter` (ETS's `{Pos, Incr}` or `{Pos, Incr, Threshold, SetValue}`); a bigint `incr` counts as a bigint. */
export interface CounterOp<I extends number | bigint = number> {
  /** The element to change (default: `options.pos`, else the one after the key for tuples). */
  pos?: number | string;
  /** What to add (negative to subtract): the new value has its type. */
  incr: I;
  /** With `setValue`: a result above `threshold` (below it, when `incr` is negative) becomes `setValue`. */
  threshold?: I | number;
  /** The value set when the result passes `threshold` (as a bigint for a bigint `incr`). */
  setValue?: I | number;
}

/** One change of `updateElement`: the element's position (an index, or a property of object records) and its new value. */
export type ElementUpdate = readonly [pos: number | string, value: unknown];

/** What `info` reports about a table. */
export interface TableInfo {
  id: number;
  name: string | undefined;
  type: TableType;
  access: TableAccess;
  owner: Pid;
  /** The heir's pid, or `'none'`. */
  heir: Pid | 'none';
  keyPos: number | string;
  /** Number of records. */
  size: number;
  /** Estimated heap bytes held by the records. */
  memory: number;
  /** True while some process holds a safeFixtable fix (ets:info(T, fixed)). */
  fixed: boolean;
  /** When the table was fixed and by whom, or false (ets:info(T, safe_fixed)). */
  safeFixed: SafeFixed | false;
}

/**
 * A process's handle on a table. Records are tuples (arrays) or objects with the key at `keyPos`;
 * they are stored by reference, so treat them as immutable values, as Erlang terms are.
 */
export interface Table<R = unknown> extends Iterable<R> {
  /** The table's id, valid on this node. */
  readonly id: number;
  /** The table's registered name, if any. */
  readonly name: string | undefined;
  /** Inserts a record, replacing the one with the same key (set, orderedSet) or adding to them (bag: unless an equal one is there; duplicateBag: always). */
  insert(record: R): void;
  /** Inserts several records at once (all are checked before any is stored). */
  insertMany(records: readonly R[]): void;
  /** Inserts only if the key does not exist yet; returns whether it did. */
  insertNew(record: R): boolean;
  /** Inserts every record only if none of their keys exists yet (ets:insert_new/2 with a list): all or nothing; returns whether it did. */
  insertNewMany(records: readonly R[]): boolean;
  /** The records with this key (at most one unless the table is a bag or duplicateBag), in insertion order. */
  lookup(key: unknown): R[];
  /** The record with this key, or undefined (for set and orderedSet tables). */
  get(key: unknown): R | undefined;
  /** True when a record has this key. */
  member(key: unknown): boolean;
  /** Deletes every record with this key. */
  delete(key: unknown): void;
  /** Deletes this exact record (structurally equal; in a duplicateBag, every copy of it). */
  deleteObject(record: R): void;
  /** Deletes every record. */
  deleteAllObjects(): void;
  /** Adds `increment` (a number, or one `CounterOp` with a threshold) to an integer element of the record with this key and returns the new value; past `Number.MAX_SAFE_INTEGER` it is refused (use a bigint). */
  updateCounter(key: unknown, increment: number | CounterOp, options?: UpdateCounterOptions<R>): number;
  /** Adds a bigint increment: the element (a number or a bigint) becomes a bigint and counts without bound, as ETS's. */
  updateCounter(key: unknown, increment: bigint | CounterOp<bigint>, options?: UpdateCounterOptions<R>): bigint;
  /** Applies several `CounterOp`s in order, in one write, and returns the new values in the same order (ETS's list of updates). */
  updateCounter(key: unknown, increments: readonly CounterOp[], options?: UpdateCounterOptions<R>): number[];
  /** Several ops, some with bigint increments: each new value has its increment's type. */
  updateCounter(key: unknown, increments: ReadonlyArray<CounterOp | CounterOp<bigint>>, options?: UpdateCounterOptions<R>): Array<number | bigint>;
  /** Sets elements of the record with this key (not the key) in one write; false when there is none and no `default` (ETS's update_element). Not for bags. */
  updateElement(key: unknown, updates: ElementUpdate | readonly ElementUpdate[], options?: { default?: R }): boolean;
  /** The element at `pos` of the record with this key, or of each record for a bag; a missing key is `badarg` unless `options.default` is given (ETS's lookup_element). */
  lookupElement(key: unknown, pos: number | string, options?: { default?: unknown }): unknown;
  /** The records with this key, removed from the table (ETS's take). */
  take(key: unknown): R[];
  /** The records matching a pattern (`_` is a wildcard; objects match partially). */
  match(pattern: unknown): R[];
  /** The records matching a pattern, as `match` (ETS's match_object; OTP's match/2 bindings are what a match spec's `select` gives). */
  matchObject(pattern: unknown): R[];
  /** Calls `fn(record, acc)` on every record, first to last (key order for orderedSet), and answers the last acc (ETS's foldl); `fn` may write to the table. */
  foldl<A>(fn: (record: R, acc: A) => A, acc: A): A;
  /** As `foldl` from last to first: reverse key order for an orderedSet, the same order as `foldl` for the other types (ETS's foldr). */
  foldr<A>(fn: (record: R, acc: A) => A, acc: A): A;
  /** The records of the `i`-th key in table order (0-based; all of a bag's records with that key; `[]` for a key deleted while fixed), undefined at `i === ` the number of keys (`'$end_of_table'`), `badarg` past it (ETS's slot). */
  slot(i: number): R[] | undefined;
  /** Deletes the records matching a pattern; returns how many. */
  matchDelete(pattern: unknown): number;
  /** The records a predicate accepts. */
  select(predicate: (record: R) => boolean): R[];
  /** The results of a match spec (ETS's `select/2`), in key order for orderedSet; a bound key is a lookup. */
  select<T>(spec: MatchSpec<R, T>): T[];
  /** The first chunk of at most `limit` results, or undefined when none (ETS's `select/3`). */
  select<T>(spec: MatchSpec<R, T>, limit: number): SelectChunk<T> | undefined;
  /** The chunk after a continuation, or undefined at the end, as for the last chunk's continuation, `undefined` (ETS's `select/1`). */
  select<T>(continuation: SelectContinuation<T> | undefined): SelectChunk<T> | undefined;
  /** As `select`, but an orderedSet's results come in reverse key order (ETS's `select_reverse/1,2,3`); other types answer as `select`. */
  selectReverse<T>(spec: MatchSpec<R, T>): T[];
  /** The first chunk of at most `limit` results from the last key down, or undefined when none. */
  selectReverse<T>(spec: MatchSpec<R, T>, limit: number): SelectChunk<T> | undefined;
  /** The chunk after a continuation, or undefined at the end. */
  selectReverse<T>(continuation: SelectContinuation<T> | undefined): SelectChunk<T> | undefined;
  /** Replaces each matched record by the spec's result, which must keep its key (else `badarg`, nothing replaced); returns how many. Not for bags (ETS's `select_replace`). */
  selectReplace(spec: MatchSpec<R, R>): number;
  /** How many records a spec's pattern and guards accept (its result is not used). */
  selectCount(spec: MatchSpec<R, unknown>): number;
  /** Deletes the records a spec's pattern and guards accept (its result is not used); returns how many. */
  selectDelete(spec: MatchSpec<R, unknown>): number;
  /** Renames the table (ets:rename/2, write access needed) and answers the new name: a named table's old name no longer opens it, a taken name is `badarg`; a table created without a name only reports the new one in `name` and `info`, and is still not opened by it. */
  rename(name: string): string;
  /** Makes a live local process the table's owner (owner only); it receives a `TableTransfer` with `data`. */
  giveAway(pid: Pid, data?: unknown): void;
  /** Sets or clears the heir (owner only), as ETS's `setopts(Tab, {heir, ...})`. */
  setHeir(heir: TableHeir): void;
  /** The first key (in key order for orderedSet), or undefined when empty. */
  first(): unknown;
  /** The last key in key order (orderedSet; for a set or bag the same as `first`, as ETS), or undefined. */
  last(): unknown;
  /** The key after `key` in table order, or undefined at the end; a key a set or bag does not hold is `badarg`, as in ETS. */
  next(key: unknown): unknown;
  /** Fixes (`true`) or releases one fix of (`false`) the table for the calling process, as ETS's safe_fixtable: while fixed, a first/next walk of a set or bag goes on from keys deleted meanwhile and visits each key at most once; a process's fixes are released when it exits. */
  safeFixtable(on: boolean): void;
  /** The key before `key` in key order (orderedSet; for a set or bag the same as `next`, as ETS), or undefined at the start. */
  prev(key: unknown): unknown;
  /** Every record (in key order for orderedSet): ETS's tab2list. */
  toList(): R[];
  /** Number of records. */
  readonly size: number;
  /** Type, access, owner, size and memory estimate. */
  info(): TableInfo;
  /** Deletes the table: its owner may, and any process when the table is public (ets:delete/1 needs write access). */
  drop(): void;
}
