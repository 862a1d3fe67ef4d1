import { RuntimeError, describeBrief } from './errors.js';
import { misspeltKey } from './edit-distance.js';
import { isGround, matchPattern } from './terms.js';
import { Pid } from './pid.js';
import { MatchSpec, type CompiledSpec } from './table-match.js';
import { continuationStore, isContinuation, selectAll, selectAllReverse, selectCount, selectDelete, selectFirst, selectNext, selectReplace, type SelectChunk, type SelectContinuation } from './table-select.js';
import { TableTransfer, type CounterOp, type ElementUpdate, type Table, type TableInfo, type TableOptions, type UpdateCounterOptions } from './table-api.js';
import { TableStore, type StoreRegistry, type TableHeir, type TableNode, type TableOwner } from './table-store.js';
import { lookupElement, take, updateCounter, updateElements } from './table-update.js';
import { firstUnordered, nextUnordered, release, safeFixedInfo, safeFixtable } from './table-fix.js';
import { slotOf } from './table-slot.js';

export type { CounterOp, ElementUpdate, Table, TableAccess, TableHeir, TableInfo, TableOptions, TableType, UpdateCounterOptions } from './table-api.js';
export { TableTransfer, isTableTransfer } from './table-api.js';

/** The node's tables: ids, names, and deletion when an owner exits. */
export class TableRegistry implements StoreRegistry {
  private readonly byId = new Map<number, TableStore>();
  private readonly byName = new Map<string, TableStore>();
  private nextId = 1;
  /** The tables each process has fixed with safeFixtable, released when it exits. */
  readonly fixers = new Map<TableOwner, Set<TableStore>>();

  constructor(readonly node: TableNode) {}

  create<R>(owner: TableOwner, options: TableOptions): Table<R> {
    checkOptions(options);
    const type = options.type ?? 'set';
    const access = options.access ?? 'protected';
    if (type !== 'set' && type !== 'orderedSet' && type !== 'bag' && type !== 'duplicateBag') {
      throw new RuntimeError('badarg', `unknown table type '${describeBrief(type)}': use 'set', 'orderedSet', 'bag' or 'duplicateBag'`);
    }
    if (access !== 'public' && access !== 'protected' && access !== 'private') {
      throw new RuntimeError('badarg', `unknown table access '${describeBrief(access)}': use 'public', 'protected' or 'private'`);
    }
    if (options.name !== undefined && this.byName.has(options.name)) {
      throw new RuntimeError('badarg', `a table named '${describeBrief(options.name)}' already exists: give another name or open it with ctx.table(name)`);
    }
    const keyPos = options.keyPos ?? 0;
    // As ETS's keypos (an integer >= 1 there): else no record could ever be inserted.
    if (!(Number.isInteger(keyPos) && (keyPos as number) >= 0) && !(typeof keyPos === 'string' && keyPos !== '')) {
      throw new RuntimeError('badarg', `table keyPos must be an index >= 0 or a property name, got ${typeof keyPos === 'number' ? String(keyPos) : describeBrief(keyPos)}`);
    }
    const heir = checkHeir(options.heir ?? 'none');
    const store = new TableStore(this, this.nextId++, options.name, type, access, keyPos, owner);
    store.heir = heir;
    this.byId.set(store.id, store);
    if (store.name !== undefined) this.byName.set(store.name, store);
    (owner.tables ??= new Set()).add(store);
    return new TableHandle<R>(store, owner);
  }

  open<R>(caller: TableOwner, nameOrId: string | number): Table<R> {
    const store = typeof nameOrId === 'string' ? this.byName.get(nameOrId) : this.byId.get(nameOrId);
    if (store === undefined) throw new RuntimeError('badarg', `no table ${typeof nameOrId === 'string' ? `named '${describeBrief(nameOrId)}'` : `with id ${describeBrief(nameOrId)}`} exists`);
    if (store.access === 'private' && caller !== store.owner) {
      throw new RuntimeError('access', `table '${store.label}' is private to ${store.owner.pid}`);
    }
    return new TableHandle<R>(store, caller);
  }

  /** Every live table's id, in creation order (ets:all/0): a Map keeps insertion order and ids only grow. */
  ids(): number[] {
    return Array.from(this.byId.keys());
  }

  /** What `info` tells of the table named or numbered `nameOrId`, whoever owns it and whatever its access (ets:info/1); undefined when there is none. */
  info(nameOrId: string | number): TableInfo | undefined {
    if (typeof nameOrId !== 'string' && typeof nameOrId !== 'number') throw new RuntimeError('badarg', `tableInfo takes a table name or id, got ${describeBrief(nameOrId)}`);
    const store = typeof nameOrId === 'string' ? this.byName.get(nameOrId) : this.byId.get(nameOrId);
    return store === undefined || store.deleted ? undefined : tableInfo(store);
  }

  /** The id of the table registered under `name` (ets:whereis/1), badarg for a name that is no non-empty string. */
  whereis(name: string): number | undefined {
    if (typeof name !== 'string' || name === '') throw new RuntimeError('badarg', `a table name is a non-empty string, got ${describeBrief(name)}`);
    return this.byName.get(name)?.id;
  }

  /** Gives a table another name (ets:rename/2): a named table's old name no longer opens it and a taken name is badarg; an unnamed one only reports the name (rename_unnamed). */
  rename(store: TableStore, name: string): string {
    if (typeof name !== 'string' || name === '') throw new RuntimeError('badarg', `a table name is a non-empty string, got ${describeBrief(name)}`);
    // As ETS: a table made without named_table still has a name, which info reports and nothing opens it by.
    if (this.byName.get(store.name as string) !== store) return (store.name = name);
    if (name === store.name) return name;
    if (this.byName.has(name)) throw new RuntimeError('badarg', `cannot rename table '${store.label}': a table named '${describeBrief(name)}' already exists`);
    this.byName.delete(store.name as string);
    store.name = name;
    this.byName.set(name, store);
    return name;
  }

  /** Deletes a table. */
  remove(store: TableStore): void {
    store.deleted = true;
    this.byId.delete(store.id);
    if (store.name !== undefined && this.byName.get(store.name) === store) this.byName.delete(store.name);
    store.owner.tables?.delete(store);
    store.clear();
    for (const proc of Array.from(store.fix?.counts.keys() ?? [])) release(store, proc);
  }

  /** An exiting process's fixes are released (ets:safe_fixtable/2). */
  fixerExited(proc: TableOwner): void {
    for (const store of Array.from(this.fixers.get(proc) ?? [])) release(store, proc);
  }

  /** An exiting owner's tables go to their live heirs, the others are deleted. */
  ownerExited(owner: TableOwner): void {
    for (const store of Array.from(owner.tables ?? [])) {
      const heir = store.heir === 'none' ? undefined : this.node.localProcess(store.heir.pid);
      if (heir === undefined || heir === owner || heir.dead) this.remove(store);
      else this.transfer(store, heir, store.heir === 'none' ? undefined : store.heir.data);
    }
  }

  /** Makes `to` the owner of a table and tells it so. */
  transfer(store: TableStore, to: TableOwner, data: unknown): void {
    const from = store.owner;
    from.tables?.delete(store);
    store.owner = to;
    (to.tables ??= new Set()).add(store);
    to.deliver(new TableTransfer(new TableHandle(store, to), from.pid, data));
  }
}


// As ets:new's option list: options that are no object, a misspelt option (which would leave its setting at the
// default unseen) and a name that is no non-empty string (a number would pass for a table id) are badarg.
function checkOptions(options: TableOptions): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new RuntimeError('badarg', `table options must be an object such as { type: 'set' }, got ${describeBrief(options)}`);
  }
  const typo = misspeltKey(options, TABLE_OPTION_KEYS);
  if (typo) throw new RuntimeError('badarg', `unknown table option '${typo.key}' (did you mean '${typo.meant}'?): spell it '${typo.meant}'`);
  const name: unknown = options.name;
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw new RuntimeError('badarg', `a table name is a non-empty string, got ${describeBrief(name)}`);
  }
}

const TABLE_OPTION_KEYS: readonly string[] = ['type', 'access', 'name', 'keyPos', 'heir'] satisfies ReadonlyArray<keyof TableOptions>;

function checkHeir(heir: TableHeir): TableHeir {
  if (heir === 'none') return heir;
  if (heir === null || typeof heir !== 'object' || !(heir.pid instanceof Pid)) {
    throw new RuntimeError('badarg', `a table heir is { pid, data } or 'none', got ${describeBrief(heir)}`);
  }
  if (heir.pid.node !== 0) throw new RuntimeError('badarg', `a table heir must be a local process, ${heir.pid} is remote`);
  return { pid: heir.pid, data: heir.data };
}


// Records of a table matching a pattern; a pattern with a bound key is a single lookup.
function matching(s: TableStore, pattern: unknown): unknown[] {
  if (pattern !== null && typeof pattern === 'object') {
    const keyPattern = (pattern as Record<string | number, unknown>)[s.keyPos];
    if (keyPattern !== undefined && isGround(keyPattern)) {
      return s.records(keyPattern).filter((r) => matchPattern(pattern, r));
    }
  }
  const out: unknown[] = [];
  for (const r of s.all()) if (matchPattern(pattern, r)) out.push(r);
  return out;
}

// As ets:insert/2's list: a string or other non-array would be walked as records one character at a time.
function checkList(s: TableStore, records: unknown, what: string): TableStore {
  if (!Array.isArray(records)) throw new RuntimeError('badarg', `${what} takes an array of records, got ${describeBrief(records)}`);
  return s;
}

// A match spec compiled for this table; anything else (an ETS-style list spec, a predicate where none is taken) is badarg.
function compiled<T>(s: TableStore, spec: unknown, what: string): CompiledSpec<T> {
  if (spec instanceof MatchSpec) return (spec as MatchSpec<unknown, T>).compile(s.keyPos);
  throw new RuntimeError('badarg', `${what} takes a match spec made with matchSpec<Row>(), got ${describeBrief(spec)}: ETS's list form is not taken, build it with matchSpec<Row>().match(pattern).where(guard).select(result)`);
}

// A continuation of this table's select, else badarg.
function ownContinuation<T>(s: TableStore, spec: SelectContinuation<T>): SelectContinuation<T> {
  if (continuationStore(spec) !== s) throw new RuntimeError('badarg', `this continuation belongs to another table than '${s.label}'`);
  return spec;
}

// Hands a table to another local process (ets:give_away/3), which must be alive and not the owner.
function giveAway(s: TableStore, pid: Pid, data: unknown): void {
  if (!(pid instanceof Pid) || pid.node !== 0) throw new RuntimeError('badarg', `table '${s.label}' can only be given to a local process, not ${pid instanceof Pid ? String(pid) : describeBrief(pid)}`);
  if (pid.equals(s.owner.pid)) throw new RuntimeError('badarg', `the owner of table '${s.label}' cannot give it to itself`);
  const to = s.registry.node.localProcess(pid);
  if (to === undefined || to.dead) throw new RuntimeError('badarg', `cannot give table '${s.label}' to ${pid}: that process is not alive`);
  s.registry.transfer(s, to, data);
}

// ets:foldl/3 and foldr/3: every record once, in key order (reversed for foldr) for an orderedSet, else in table
// order; the keys are taken first, so the function may write to the table (as OTP's fold under a safe fixation).
// The table is checked after each call: one the function deleted (or gave away private) ends the fold with
// badarg, as OTP's next on a deleted table does, instead of folding on over records that are gone.
function fold<A>(s: TableStore, fn: (record: unknown, acc: A) => A, acc: A, reverse: boolean, check: () => unknown): A {
  if (typeof fn !== 'function') throw new RuntimeError('badarg', `a fold takes a function (record, acc) => acc, got ${describeBrief(fn)}`);
  if (reverse && s.type === 'orderedSet') {
    for (const key of s.sorted.slice().reverse()) {
      for (const r of s.records(key)) acc = fn(r, acc);
      check();
    }
    return acc;
  }
  for (const r of checkedWalk(s, check)) acc = fn(r, acc);
  return acc;
}

// ets:slot/2: the records of the i-th key in table order; undefined just past the last one ('$end_of_table'), badarg further.
// A table's records, the table checked again at each step: one deleted (or whose owner exited) mid-walk is badarg, as ETS's next.
function* checkedWalk<R>(s: TableStore, check: () => unknown): Generator<R> {
  for (const r of s.all()) {
    yield r as R;
    check();
  }
}

// What info reports of a table.
function tableInfo(s: TableStore): TableInfo {
  return {
    id: s.id,
    name: s.name,
    type: s.type,
    access: s.access,
    owner: s.owner.pid,
    heir: s.heir === 'none' ? 'none' : s.heir.pid,
    keyPos: s.keyPos,
    size: s.count,
    memory: s.memory(),
    fixed: s.fix !== null,
    safeFixed: safeFixedInfo(s),
  };
}

class TableHandle<R> implements Table<R> {
  constructor(
    private readonly store: TableStore,
    private readonly caller: TableOwner,
  ) {}

  get id(): number {
    return this.store.id;
  }

  get name(): string | undefined {
    return this.store.name;
  }

  rename(name: string): string {
    return this.store.registry.rename(this.write(), name);
  }

  get size(): number {
    return this.read().count;
  }

  insert(record: R): void {
    this.write().put(record);
  }

  insertMany(records: readonly R[]): void {
    const s = checkList(this.write(), records, 'insertMany');
    // All or nothing, as ets:insert/2 of a list: each key is read whole first, so one that throws stops the batch.
    for (const r of records) s.slot(s.keyOf(r));
    for (const r of records) s.put(r);
  }

  insertNew(record: R): boolean {
    return this.insertNewMany([record]);
  }

  insertNewMany(records: readonly R[]): boolean {
    const s = checkList(this.write(), records, 'insertNewMany');
    // As ets:insert_new/2 with a list: all checked first, nothing inserted if any key is already there.
    if (records.map((r) => s.slot(s.keyOf(r))).some((k) => s.data.has(k))) return false;
    for (const r of records) s.put(r);
    return true;
  }

  lookup(key: unknown): R[] {
    return this.read().records(key) as R[];
  }

  get(key: unknown): R | undefined {
    return this.read().records(key)[0] as R | undefined;
  }

  member(key: unknown): boolean {
    const s = this.read();
    return s.data.has(s.slot(key));
  }

  delete(key: unknown): void {
    this.write().remove(key);
  }

  deleteObject(record: R): void {
    this.write().removeObject(record);
  }

  deleteAllObjects(): void {
    this.write().clear();
  }

  updateCounter(key: unknown, increment: number | CounterOp, options?: UpdateCounterOptions<R>): number;
  updateCounter(key: unknown, increment: bigint | CounterOp<bigint>, options?: UpdateCounterOptions<R>): bigint;
  updateCounter(key: unknown, increments: readonly CounterOp[], options?: UpdateCounterOptions<R>): number[];
  updateCounter(key: unknown, increments: ReadonlyArray<CounterOp | CounterOp<bigint>>, options?: UpdateCounterOptions<R>): Array<number | bigint>;
  updateCounter(key: unknown, increment: number | bigint | CounterOp<number | bigint> | ReadonlyArray<CounterOp<number | bigint>>, options: UpdateCounterOptions<R> = {}): number | bigint | Array<number | bigint> {
    return updateCounter(this.write(), key, increment, options);
  }

  updateElement(key: unknown, updates: ElementUpdate | readonly ElementUpdate[], options: { default?: R } = {}): boolean {
    const list = (updates.length === 0 || Array.isArray(updates[0]) ? updates : [updates]) as readonly ElementUpdate[];
    return updateElements(this.write(), key, list, options.default);
  }

  lookupElement(key: unknown, pos: number | string, options: { default?: unknown } = {}): unknown {
    return lookupElement(this.read(), key, pos, options);
  }

  take(key: unknown): R[] {
    return take(this.write(), key) as R[];
  }

  match(pattern: unknown): R[] {
    return matching(this.read(), pattern) as R[];
  }

  matchObject(pattern: unknown): R[] {
    return matching(this.read(), pattern) as R[];
  }

  foldl<A>(fn: (record: R, acc: A) => A, acc: A): A {
    return fold(this.read(), fn as (record: unknown, acc: A) => A, acc, false, () => this.read());
  }

  foldr<A>(fn: (record: R, acc: A) => A, acc: A): A {
    return fold(this.read(), fn as (record: unknown, acc: A) => A, acc, true, () => this.read());
  }

  slot(i: number): R[] | undefined {
    return slotOf(this.read(), i) as R[] | undefined;
  }

  matchDelete(pattern: unknown): number {
    const s = this.write();
    const found = matching(s, pattern);
    for (const r of found) s.removeObject(r);
    return found.length;
  }

  select(predicate: (record: R) => boolean): R[];
  select<T>(spec: MatchSpec<R, T>): T[];
  select<T>(spec: MatchSpec<R, T>, limit: number): SelectChunk<T> | undefined;
  select<T>(continuation: SelectContinuation<T> | undefined): SelectChunk<T> | undefined;
  select<T>(spec: ((record: R) => boolean) | MatchSpec<R, T> | SelectContinuation<T> | undefined, limit?: number): R[] | T[] | SelectChunk<T> | undefined {
    const s = this.read();
    // The last chunk's continuation is the end, as ets:select('$end_of_table') answers '$end_of_table'.
    if (spec === undefined) return undefined;
    if (typeof spec === 'function') {
      const out: R[] = [];
      for (const r of s.all()) if (spec(r as R)) out.push(r as R);
      return out;
    }
    if (isContinuation(spec)) return selectNext(ownContinuation(s, spec));
    const c = compiled<T>(s, spec, 'select');
    return limit === undefined ? selectAll(s, c) : selectFirst(s, c, limit);
  }

  selectReverse<T>(spec: MatchSpec<R, T>): T[];
  selectReverse<T>(spec: MatchSpec<R, T>, limit: number): SelectChunk<T> | undefined;
  selectReverse<T>(continuation: SelectContinuation<T> | undefined): SelectChunk<T> | undefined;
  selectReverse<T>(spec: MatchSpec<R, T> | SelectContinuation<T> | undefined, limit?: number): T[] | SelectChunk<T> | undefined {
    const s = this.read();
    if (spec === undefined) return undefined;
    if (isContinuation(spec)) return selectNext(ownContinuation(s, spec));
    const c = compiled<T>(s, spec, 'selectReverse');
    return limit === undefined ? selectAllReverse(s, c) : selectFirst(s, c, limit, true);
  }

  selectReplace(spec: MatchSpec<R, R>): number {
    const s = this.write();
    return selectReplace(s, compiled(s, spec, 'selectReplace'));
  }

  selectCount(spec: MatchSpec<R, unknown>): number {
    const s = this.read();
    return selectCount(s, compiled(s, spec, 'selectCount'));
  }

  selectDelete(spec: MatchSpec<R, unknown>): number {
    const s = this.write();
    return selectDelete(s, compiled(s, spec, 'selectDelete'));
  }

  giveAway(pid: Pid, data?: unknown): void {
    giveAway(this.owned('give away'), pid, data);
  }

  setHeir(heir: TableHeir): void {
    this.owned('set the heir of').heir = checkHeir(heir);
  }

  first(): unknown {
    const s = this.read();
    return s.type === 'orderedSet' ? s.sorted[0] : firstUnordered(s);
  }

  last(): unknown {
    const s = this.read();
    if (s.type === 'orderedSet') return s.sorted[s.sorted.length - 1];
    // As ETS: for the unordered types last is first, and prev is next.
    return this.first();
  }

  next(key: unknown): unknown {
    const s = this.read();
    if (s.type === 'orderedSet') {
      const i = s.search(key);
      return s.sorted[i >= 0 ? i + 1 : -i - 1];
    }
    // Unordered tables: insertion order (or the fixed walk order), found by a walk (prefer iterating the table).
    return nextUnordered(s, key);
  }

  safeFixtable(on: boolean): void {
    safeFixtable(this.read(), this.caller, on);
  }

  prev(key: unknown): unknown {
    const s = this.read();
    if (s.type !== 'orderedSet') return nextUnordered(s, key, 'prev');
    const i = s.search(key);
    const at = i >= 0 ? i - 1 : -i - 2;
    return at >= 0 ? s.sorted[at] : undefined;
  }

  toList(): R[] {
    return Array.from(this.read().all()) as R[];
  }

  [Symbol.iterator](): Iterator<R> {
    return checkedWalk<R>(this.read(), () => this.read());
  }

  info(): TableInfo {
    return tableInfo(this.live());
  }

  // As ets:delete/1, which needs write access: any process may delete a public table, only the owner another.
  drop(): void {
    const s = this.store.access === 'public' ? this.live() : this.owned('delete', 'not_owner');
    s.registry.remove(s);
  }

  // OTP answers badarg to a non-owner; `drop` kept this runtime's earlier 'not_owner'.
  private owned(what: string, code: 'badarg' | 'not_owner' = 'badarg'): TableStore {
    const s = this.live();
    if (this.caller !== s.owner) throw new RuntimeError(code, `only the owner ${s.owner.pid} may ${what} table '${s.label}'`);
    return s;
  }

  private live(): TableStore {
    this.caller.check();
    const s = this.store;
    if (s.deleted) throw new RuntimeError('badarg', `table '${s.label}' no longer exists (deleted, or its owner exited)`);
    return s;
  }

  private read(): TableStore {
    const s = this.live();
    if (s.access === 'private' && this.caller !== s.owner) throw new RuntimeError('access', `table '${s.label}' is private to ${s.owner.pid}`);
    return s;
  }

  private write(): TableStore {
    const s = this.live();
    if (s.access !== 'public' && this.caller !== s.owner) {
      throw new RuntimeError('access', `table '${s.label}' is ${s.access}: only its owner ${s.owner.pid} may write to it`);
    }
    return s;
  }
}
