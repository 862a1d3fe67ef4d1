// ETS's element-wise reads and writes of one record (update_counter, update_element, lookup_element, take),
// on a table's store: the handle checks access, these check the record and build its next version.
import { RuntimeError, describeBrief } from './errors.js';
import type { CounterOp, ElementUpdate, UpdateCounterOptions } from './table-api.js';
import { isBag, type TableStore } from './table-store.js';

type Rec = Record<string | number, unknown>;

// A default as ETS takes it: a record (tuple or object) copied, the key put in its key's place.
function defaultRecord(s: TableStore, given: unknown, key: unknown, what: string): Rec {
  if (given === null || typeof given !== 'object') throw new RuntimeError('badarg', `${what}: the default for table '${s.label}' must be a record (a tuple or an object)`);
  // As ETS's badarg for a default tuple smaller than the keypos: a hole would become a sparse record.
  if (Array.isArray(given) && typeof s.keyPos === 'number' && given.length <= s.keyPos) {
    throw new RuntimeError('badarg', `${what}: the default for table '${s.label}' has no element ${s.keyPos} for the key: give a record of at least ${s.keyPos + 1} elements`);
  }
  const record = (Array.isArray(given) ? given.slice() : { ...given }) as Rec;
  record[s.keyPos] = key;
  return record;
}

// The record to change: the one stored under `key`, else the default; undefined when neither.
function target(s: TableStore, key: unknown, fallback: unknown, what: string): Rec | undefined {
  if (isBag(s.type)) throw new RuntimeError('badarg', `${what} does not apply to ${s.type} table '${s.label}'`);
  const record = s.data.get(s.slot(key)) as Rec | undefined;
  if (record !== undefined) return record;
  return fallback === undefined ? undefined : defaultRecord(s, fallback, key, what);
}

// Records are shared values: a change builds a new one instead of mutating what readers may hold.
function copyOf(record: Rec): Rec {
  return (Array.isArray(record) ? record.slice() : { ...record }) as Rec;
}

// A record's own element: a tuple's index inside it (never `length` or a fraction), an object's own property
// (never one it inherits, such as `constructor`), as ETS's positions are only the tuple's elements.
function hasElement(record: Rec, pos: number | string): boolean {
  if (Array.isArray(record)) return typeof pos === 'number' && Number.isInteger(pos) && pos >= 0 && pos < record.length;
  return Object.hasOwn(record, pos);
}

function checkPos(s: TableStore, record: Rec, pos: number | string | undefined, what: string): number | string {
  if (pos === undefined) throw new RuntimeError('badarg', `${what} on object records of table '${s.label}' needs a pos`);
  if (pos === s.keyPos) throw new RuntimeError('badarg', `${what} cannot change the key of a record in table '${s.label}'`);
  if (!hasElement(record, pos)) throw new RuntimeError('badarg', `${what}: the record has no element ${describeBrief(pos)} in table '${s.label}'`);
  return pos;
}

// ETS's counters are integers: an increment, threshold or set value that is not a whole number is badarg.
// A number increment takes safe integers (its answer is a number); a bigint one takes integers of either kind.
function checkCounterOp(op: CounterOp<number | bigint>): void {
  const whole = typeof op.incr === 'bigint' ? isInteger : Number.isSafeInteger;
  if (!whole(op.incr)) throw new RuntimeError('badarg', `updateCounter: the increment must be a whole number (or a bigint), got ${describeCount(op.incr)}`);
  if ((op.threshold === undefined) !== (op.setValue === undefined)) throw new RuntimeError('badarg', 'updateCounter: threshold and setValue go together (ETS\'s {Pos, Incr, Threshold, SetValue})');
  if (op.threshold !== undefined && !(whole(op.threshold) && whole(op.setValue))) {
    throw new RuntimeError('badarg', `updateCounter: threshold and setValue must be whole numbers${typeof op.incr === 'bigint' ? ' or bigints' : ''}, got ${describeCount(op.threshold)} and ${describeCount(op.setValue)}`);
  }
}

const isInteger = (v: unknown): boolean => typeof v === 'bigint' || Number.isSafeInteger(v);
const describeCount = (v: unknown): string => (typeof v === 'bigint' ? `${v}n` : typeof v === 'number' ? String(v) : describeBrief(v));

// One op on a counter: the new value, of the increment's type (ETS's integers are bignums: a bigint increment
// counts past 2^53; a number one cannot, and is refused there rather than losing the increment).
function count(current: number | bigint, op: CounterOp<number | bigint>): number | bigint {
  const { incr, threshold, setValue } = op;
  if (typeof current === 'number' && typeof incr === 'number') {
    const value = current + incr;
    // Two safe integers whose sum is safe add exactly.
    if (Number.isSafeInteger(value)) return threshold !== undefined && (incr >= 0 ? value > threshold : value < threshold) ? (setValue as number) : value;
  }
  const value = BigInt(current) + BigInt(incr);
  const passed = threshold !== undefined && (incr >= 0 ? value > BigInt(threshold) : value < BigInt(threshold));
  if (typeof incr === 'bigint') return passed ? BigInt(setValue!) : value;
  if (passed) return setValue as number;
  if (!Number.isSafeInteger(Number(value)) || BigInt(Number(value)) !== value) {
    throw new RuntimeError('badarg', `updateCounter: ${describeCount(current)} + ${incr} is past Number.MAX_SAFE_INTEGER, where a number counter would lose increments: give a bigint increment (${incr}n) to count on as a bigint`);
  }
  return Number(value);
}

/** ETS's update_counter/3,4: each op adds to an integer element (with ETS's threshold and set value), in order; returns the new values. */
export function updateCounters(s: TableStore, key: unknown, ops: ReadonlyArray<CounterOp<number | bigint>>, fallback: unknown, defaultPos: number | string | undefined): Array<number | bigint> {
  const record = target(s, key, fallback, 'updateCounter');
  if (record === undefined) throw new RuntimeError('badarg', `updateCounter: no record with key ${describeBrief(key)} in table '${s.label}' and no default given`);
  const updated = copyOf(record);
  const values = ops.map((op) => {
    const pos = checkPos(s, updated, op.pos ?? defaultPos, 'updateCounter');
    const current = updated[pos];
    if (!isInteger(current)) throw new RuntimeError('badarg', `updateCounter: element ${describeBrief(pos)} of the record with key ${describeBrief(key)} is not a whole number (or a bigint), got ${describeCount(current)}`);
    checkCounterOp(op);
    const value = count(current as number | bigint, op);
    updated[pos] = value;
    return value;
  });
  s.put(updated);
  return values;
}

/** Table.updateCounter: one increment or op answers its new value, a list of ops the list of them. */
export function updateCounter(s: TableStore, key: unknown, increment: number | bigint | CounterOp<number | bigint> | ReadonlyArray<CounterOp<number | bigint>>, options: UpdateCounterOptions<unknown>): number | bigint | Array<number | bigint> {
  const pos = options.pos ?? (typeof s.keyPos === 'number' ? s.keyPos + 1 : undefined);
  if (Array.isArray(increment)) return updateCounters(s, key, increment, options.default, pos);
  const op = typeof increment === 'number' || typeof increment === 'bigint' ? { incr: increment } : (increment as CounterOp<number | bigint>);
  return updateCounters(s, key, [op], options.default, pos)[0]!;
}

/** ETS's update_element/3,4: sets elements of the record with `key`; false when there is none (and no default). */
export function updateElements(s: TableStore, key: unknown, updates: readonly ElementUpdate[], fallback: unknown): boolean {
  const record = target(s, key, fallback, 'updateElement');
  if (record === undefined) return false;
  const updated = copyOf(record);
  for (const [pos, value] of updates) updated[checkPos(s, updated, pos, 'updateElement')] = value;
  s.put(updated);
  return true;
}

/** ETS's lookup_element/3,4: the element at `pos` of the record with `key` (of each record, for a bag). */
export function lookupElement(s: TableStore, key: unknown, pos: number | string, fallback: { default?: unknown }): unknown {
  const records = s.records(key) as Rec[];
  if (records.length === 0) {
    if ('default' in fallback) return fallback.default;
    throw new RuntimeError('badarg', `lookupElement: no record with key ${describeBrief(key)} in table '${s.label}'`);
  }
  for (const r of records) if (!hasElement(r, pos)) throw new RuntimeError('badarg', `lookupElement: the record with key ${describeBrief(key)} has no element ${describeBrief(pos)} in table '${s.label}'`);
  return isBag(s.type) ? records.map((r) => r[pos]) : records[0]![pos];
}

/** ETS's take/2: the records with `key`, removed from the table. */
export function take(s: TableStore, key: unknown): unknown[] {
  const records = s.records(key);
  if (records.length > 0) s.remove(key);
  return records;
}
