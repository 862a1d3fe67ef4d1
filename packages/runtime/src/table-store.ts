// A table's data below everything that works on it: the store, the fixation and the slot cursor it keeps, and what
// it reads of its owner, its node and the node's tables. The helpers (table-fix, table-select, table-slot,
// table-update), the public types (table-api) and the handle (table.ts) import it, and it imports none of them.
import { RuntimeError, describeBrief } from './errors.js';
import { compareTerms, estimateSize, orderedTermKey, termEquals, termKey } from './terms.js';
import type { Pid } from './pid.js';
import { isolateMessage, isolation } from './isolation.js';

/**
 * What the tables read of a process that owns, fixes or calls on a table (a TableOwner is one): declared here, so
 * that the tables know no process or node class and the process primitives import the tables one way.
 */
export interface TableOwner {
  readonly pid: Pid;
  readonly dead: boolean;
  /** The tables this process owns; null while it owns none. */
  tables: Set<TableStore> | null;
  deliver(message: unknown): void;
  /** Throws ProcessExitedError once the process has exited. */
  check(): void;
}

/** What the tables read of their node (an OtpNode is one): its live local processes by pid. */
export interface TableNode {
  localProcess(pid: Pid): TableOwner | undefined;
}

/** What a table's store and its helpers read of the node's tables (a TableRegistry, table.ts, is one). */
export interface StoreRegistry {
  readonly node: TableNode;
  /** The tables each process has fixed with safeFixtable, released when it exits. */
  readonly fixers: Map<TableOwner, Set<TableStore>>;
  rename(store: TableStore, name: string): string;
  remove(store: TableStore): void;
  transfer(store: TableStore, to: TableOwner, data: unknown): void;
}

/** How a table keys its records (ETS's set, ordered_set, bag and duplicate_bag). */
export type TableType = 'set' | 'orderedSet' | 'bag' | 'duplicateBag';
/** True for the types that keep many records per key (ETS's bag and duplicate_bag). */
export function isBag(type: TableType): boolean {
  return type === 'bag' || type === 'duplicateBag';
}

/** Who may use a table: anyone, anyone reads but the owner writes, or the owner only. */
export type TableAccess = 'public' | 'protected' | 'private';

/** Who inherits a table when its owner exits (ETS's `{heir, Pid, HeirData}`), or `'none'` to delete it. */
export type TableHeir = { pid: Pid; data?: unknown } | 'none';

/**
 * A table's safe fixation (ets:safe_fixtable/2): which processes fixed it and how often, since when, and for a set
 * or bag the walk order of first/next from the moment it was fixed. While fixed, a key deleted keeps its place in
 * that order, so a walk by first/next goes on from it and visits each key at most once, whatever is inserted or
 * deleted meanwhile; keys inserted while fixed go at the end of the order.
 */
export class TableFix {
  /** Each fixing process and how many fixes it holds. */
  readonly counts = new Map<TableOwner, number>();
  /** When the table was first fixed (ms since the epoch). */
  readonly since = Date.now();
  // set and bag: the data map's keys in walk order, and each key's position in it.
  private readonly order: unknown[] = [];
  private readonly at = new Map<unknown, number>();

  /**
   * How far a first/next walk goes in the walk order: the keys held when the walk began (`first`), then once, at
   * their end, the keys inserted meanwhile (`extended`). Keys inserted after that are left to the next walk, so a
   * walk that inserts a new key at each step ends, as ETS's fixed walk.
   */
  private horizon: number;
  private extended = false;
  // The same bound for a walk over slots (slotEnd).
  private slotHorizon: number;
  private slotExtended = false;

  constructor(keys: Iterable<unknown>) {
    for (const k of keys) this.added(k);
    this.horizon = this.slotHorizon = this.order.length;
  }

  /** Records a new data-map key at the end of the walk order (a set or bag's insert while fixed). */
  added(slot: unknown): void {
    if (this.at.has(slot)) return;
    this.at.set(slot, this.order.length);
    this.order.push(slot);
  }

  /** A new walk (`first`): it goes over every key the table held while fixed, up to those it holds now. */
  restart(): void {
    this.horizon = this.order.length;
    this.extended = false;
  }

  /** The first data-map key at or after position `from` still in the table, within the walk's horizon. */
  liveFrom(data: Map<unknown, unknown>, from: number): unknown {
    for (let i = from; i < this.horizon; i++) if (data.has(this.order[i])) return this.order[i];
    if (this.extended) return undefined;
    const end = this.horizon;
    this.extended = true;
    this.horizon = this.order.length;
    return this.liveFrom(data, Math.max(from, end));
  }

  /** How many keys the walk order holds: every key the table held while fixed, deleted or not. */
  get size(): number {
    return this.order.length;
  }

  /**
   * Where a slot walk reaching slot `i` ends ('$end_of_table'), as `horizon` bounds a first/next walk: slot 0 begins a
   * walk over the keys held then; the first slot past them takes in, once, the keys inserted meanwhile. A slot walk
   * that inserts a new key at each step so ends, as ETS's fixed hash table keeps its slots.
   */
  slotEnd(i: number): number {
    if (i === 0) {
      this.slotHorizon = this.order.length;
      this.slotExtended = false;
    }
    if (i >= this.slotHorizon && !this.slotExtended) {
      this.slotHorizon = this.order.length;
      this.slotExtended = true;
    }
    return this.slotHorizon;
  }

  /** The data-map key at position `i` of the walk order. */
  slotAt(i: number): unknown {
    return this.order[i];
  }

  /** The position of a data-map key in the walk order, or -1 when the key was never in the table while fixed. */
  positionOf(slot: unknown): number {
    return this.at.get(slot) ?? -1;
  }
}

/** Where the last slot call on a set or bag stopped: its index, the data-map walk there, and the table's shifts then. */
export interface SlotCursor {
  index: number;
  key: unknown;
  keys: Iterator<unknown>;
  shifts: number;
}

// A record's estimated heap bytes, the same for the same record whenever it is asked (so what a write adds, its removal takes back).
function sizeOf(record: unknown): number {
  return estimateSize(record, 100);
}

// An object record's key is its own property: one it inherits (`toString`, `constructor`) is no key.
function keyIn(record: object, keyPos: number | string): unknown {
  if (typeof keyPos === 'string' && !Object.hasOwn(record, keyPos)) return undefined;
  return (record as Record<string | number, unknown>)[keyPos];
}

/** A table's data and settings, shared by every process's handle. */
export class TableStore {
  deleted = false;
  // set/orderedSet: slot(key) → record; bag/duplicateBag: slot(key) → records.
  readonly data = new Map<unknown, unknown>();
  // orderedSet only: the raw keys, sorted by compareTerms.
  readonly sorted: unknown[] = [];
  // orderedSet only: the records in key order, kept from one scan to the next until a write.
  private ordered: unknown[] | null = null;
  private writes = 0;
  private walkedAt = -1;
  count = 0;
  /** The records' estimated bytes, kept as they come and go: info's memory reads no record. */
  private bytes = 0;
  heir: TableHeir = 'none';
  /** The safe fixation (ets:safe_fixtable/2), or null when no process holds one. */
  fix: TableFix | null = null;
  /** set and bag: where the last first/next stopped (its data-map key) and the walk to go on with. */
  walk: { slot: unknown; entries: Iterator<unknown> } | null = null;
  /** set and bag: how many times a delete moved the keys after it, which outdates a slot cursor. */
  shifts = 0;
  /** set and bag: where the last slot call stopped, for the next one to go on from. */
  slotCursor: SlotCursor | null = null;
  /** The data map's key for a record key: structural, and for an orderedSet equal when compareTerms is 0 (1 and 1n are one key). */
  readonly slot: (key: unknown) => unknown;

  constructor(
    readonly registry: StoreRegistry,
    readonly id: number,
    public name: string | undefined,
    readonly type: TableType,
    readonly access: TableAccess,
    readonly keyPos: number | string,
    public owner: TableOwner,
  ) {
    this.slot = type === 'orderedSet' ? orderedTermKey : termKey;
  }

  get label(): string {
    return this.name === undefined ? `#${this.id}` : describeBrief(this.name);
  }

  keyOf(record: unknown): unknown {
    if (record === null || typeof record !== 'object') {
      throw new RuntimeError('badarg', `table '${this.label}' stores tuples or objects, got ${typeof record}`);
    }
    const key = keyIn(record, this.keyPos);
    if (key === undefined) throw new RuntimeError('badarg', `record has no key at position ${describeBrief(this.keyPos)} of table '${this.label}'`);
    return key;
  }

  clear(): void {
    this.ordered = null;
    this.writes++;
    this.bytes = 0;
    this.data.clear();
    this.shifts++;
    this.sorted.length = 0;
    this.count = 0;
  }

  // Position of `key` in the sorted key array, or -(insertion point) - 1.
  search(key: unknown): number {
    let lo = 0;
    let hi = this.sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareTerms(this.sorted[mid], key);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  put(record: unknown): void {
    // Message isolation: ETS copies a record in and out, so a change after insert, or to what lookup gave,
    // never reaches the table; frozen here, such a change throws where it is made (dev and test profiles).
    if (isolation.on) isolateMessage(record);
    this.ordered = null;
    this.writes++;
    const key = this.keyOf(record);
    const k = this.slot(key);
    if (isBag(this.type)) {
      const list = this.data.get(k) as unknown[] | undefined;
      if (list === undefined) {
        this.data.set(k, [record]);
        this.fix?.added(k);
        this.count++;
        this.bytes += sizeOf(record);
      } else if (this.type === 'duplicateBag' || !list.some((r) => termEquals(r, record))) {
        list.push(record);
        this.count++;
        this.bytes += sizeOf(record);
      }
      return;
    }
    const old = this.data.get(k);
    this.bytes += sizeOf(record) - (old === undefined ? 0 : sizeOf(old));
    if (old === undefined) {
      this.count++;
      if (this.type === 'orderedSet') this.sorted.splice(-this.search(key) - 1, 0, key);
      else this.fix?.added(k);
    } else if (this.type === 'orderedSet' && this.keyOf(old) !== key) {
      // An equal key written another way (1n for 1, or a new array): the record's own key is the one kept, as ETS keeps the new object.
      this.sorted[this.search(key)] = key;
    }
    this.data.set(k, record);
  }

  /** Replaces the records at `keys` (present, in a set or orderedSet) by `next`, key for key: one write for the batch, as selectReplace needs. */
  replaceSameKey(keys: readonly unknown[], next: readonly unknown[]): void {
    this.ordered = null;
    this.writes++;
    for (let i = 0; i < keys.length; i++) {
      if (isolation.on) isolateMessage(next[i]);
      this.bytes += sizeOf(next[i]) - sizeOf(this.data.get(this.slot(keys[i])));
      this.data.set(this.slot(keys[i]), next[i]);
      // An equal key written another way (1n for 1): the new record's key is the one kept, as put keeps it.
      if (this.type === 'orderedSet') this.sorted[this.search(keys[i])] = this.keyOf(next[i]);
    }
  }

  records(key: unknown): unknown[] {
    const v = this.data.get(this.slot(key));
    if (v === undefined) return [];
    return isBag(this.type) ? (v as unknown[]).slice() : [v];
  }

  remove(key: unknown): void {
    this.ordered = null;
    this.writes++;
    const k = this.slot(key);
    const v = this.data.get(k);
    if (v === undefined) return;
    this.data.delete(k);
    this.shifts++;
    this.count -= isBag(this.type) ? (v as unknown[]).length : 1;
    for (const r of isBag(this.type) ? (v as unknown[]) : [v]) this.bytes -= sizeOf(r);
    if (this.type === 'orderedSet') {
      const i = this.search(key);
      if (i >= 0) this.sorted.splice(i, 1);
    }
  }

  removeObject(record: unknown): void {
    this.ordered = null;
    this.writes++;
    const key = this.keyOf(record);
    if (!isBag(this.type)) {
      const current = this.data.get(this.slot(key));
      if (current !== undefined && termEquals(current, record)) this.remove(key);
      return;
    }
    const list = this.data.get(this.slot(key)) as unknown[] | undefined;
    if (list === undefined) return;
    const kept: unknown[] = [];
    for (const r of list) {
      if (!termEquals(r, record)) kept.push(r);
      else this.bytes -= sizeOf(r);
    }
    this.count -= list.length - kept.length;
    if (kept.length === 0) {
      this.data.delete(this.slot(key));
      this.shifts++;
    } else this.data.set(this.slot(key), kept);
  }

  *all(): Generator<unknown> {
    if (this.type === 'orderedSet') {
      for (const key of this.sorted.slice()) {
        const r = this.data.get(this.slot(key));
        if (r !== undefined) yield r;
      }
    } else {
      // The keys as they were, each read when reached: a record deleted meanwhile is skipped (as a fixed ETS table's walk).
      for (const k of Array.from(this.data.keys())) {
        const v = this.data.get(k);
        if (v === undefined) continue;
        if (isBag(this.type)) yield* (v as unknown[]).slice();
        else yield v;
      }
    }
  }

  /** Up to `n` records from position `from` (key order for an orderedSet), read in place: a page of a million-row table copies nothing but its rows. */
  slice(from: number, n: number): unknown[] {
    const out: unknown[] = [];
    if (this.type === 'orderedSet') {
      for (let i = from; i < this.sorted.length && out.length < n; i++) out.push(this.data.get(this.slot(this.sorted[i])));
      return out;
    }
    // A set or a bag has no positions: the map's own iterator walks to `from`, copying nothing.
    const bag = isBag(this.type);
    let at = 0;
    for (const v of this.data.values()) {
      if (out.length >= n) break;
      const size = bag ? (v as unknown[]).length : 1;
      if (at + size > from) {
        if (!bag) out.push(v);
        else for (let i = Math.max(0, from - at); i < size && out.length < n; i++) out.push((v as unknown[])[i]);
      }
      at += size;
    }
    return out;
  }

  /** Visits an orderedSet's records in reverse key order until `visit` returns false. */
  walkInReverse(visit: (record: unknown) => boolean | void): void {
    // The records in key order, kept as walkInOrder keeps them (from the second walk without a write between).
    let kept = this.ordered;
    if (kept === null && this.writes === this.walkedAt) {
      kept = new Array<unknown>(this.sorted.length);
      for (let i = 0; i < kept.length; i++) kept[i] = this.data.get(this.slot(this.sorted[i]));
      this.ordered = kept;
    }
    if (kept !== null) {
      for (let i = kept.length - 1; i >= 0; i--) if (visit(kept[i]) === false) return;
      return;
    }
    const writes = this.writes;
    for (let i = this.sorted.length - 1; i >= 0; i--) if (visit(this.data.get(this.slot(this.sorted[i]))) === false) return;
    if (this.writes === writes) this.walkedAt = writes;
  }

  /** Visits an orderedSet's records in key order until `visit` returns false. */
  walkInOrder(visit: (record: unknown) => boolean | void): void {
    const kept = this.ordered;
    if (kept !== null) {
      for (let i = 0; i < kept.length; i++) if (visit(kept[i]) === false) return;
      return;
    }
    const writes = this.writes;
    // Keep the records in order only for a second walk without a write between: gathering them costs
    // as much as the walk, which a table written between walks would pay every time.
    const out = writes === this.walkedAt ? new Array<unknown>(this.sorted.length) : null;
    for (let i = 0; i < this.sorted.length; i++) {
      const r = this.data.get(this.slot(this.sorted[i]));
      if (out !== null) out[i] = r;
      if (visit(r) === false) return;
    }
    if (this.writes !== writes) return;
    this.walkedAt = writes;
    this.ordered = out;
  }

  /** Estimated heap bytes: the table's own, a slot's per key, and the records' (kept by every write, so no record is read here). */
  memory(): number {
    return 200 + 16 * this.data.size + Math.max(0, this.bytes);
  }
}
