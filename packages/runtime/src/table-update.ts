// ETS's element-wise reads and writes of one record (update_counter, update_element, lookup_element, take),
// on a table's store: the handle checks access, these check the record and build its next version.
import { RuntimeError, describeReason } from './errors.js';
import { isBag, type CounterOp, type ElementUpdate } from './table-api.js';
import type { TableStore } from './table.js';

type Rec = Record<string | number, unknown>;

// A default as ETS takes it: a record (tuple or object) copied, the key put in its key's place.
function defaultRecord(s: TableStore, given: unknown, key: unknown, what: string): Rec {
  if (given === null || typeof given !== 'object') throw new RuntimeError('badarg', `${what}: the default for table '${s.label}' must be a record (a tuple or an object)`);
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

function checkPos(s: TableStore, record: Rec, pos: number | string | undefined, what: string): number | string {
  if (pos === undefined) throw new RuntimeError('badarg', `${what} on object records of table '${s.label}' needs a pos`);
  if (pos === s.keyPos) throw new RuntimeError('badarg', `${what} cannot change the key of a record in table '${s.label}'`);
  if (!(pos in record)) throw new RuntimeError('badarg', `${what}: the record has no element ${String(pos)} in table '${s.label}'`);
  return pos;
}

// ETS's counters are integers: an increment, threshold or set value that is not a whole number is badarg.
function checkCounterOp(op: CounterOp): void {
  if (!Number.isSafeInteger(op.incr)) throw new RuntimeError('badarg', `updateCounter: the increment must be a whole number, got ${describeReason(op.incr)}`);
  if ((op.threshold === undefined) !== (op.setValue === undefined)) throw new RuntimeError('badarg', 'updateCounter: threshold and setValue go together (ETS\'s {Pos, Incr, Threshold, SetValue})');
  if (op.threshold !== undefined && !(Number.isSafeInteger(op.threshold) && Number.isSafeInteger(op.setValue))) {
    throw new RuntimeError('badarg', `updateCounter: threshold and setValue must be whole numbers, got ${describeReason(op.threshold)} and ${describeReason(op.setValue)}`);
  }
}

/** ETS's update_counter/3,4: each op adds to a numeric element (with ETS's threshold and set value), in order; returns the new values. */
export function updateCounters(s: TableStore, key: unknown, ops: readonly CounterOp[], fallback: unknown, defaultPos: number | string | undefined): number[] {
  const record = target(s, key, fallback, 'updateCounter');
  if (record === undefined) throw new RuntimeError('badarg', `updateCounter: no record with key ${describeReason(key)} in table '${s.label}' and no default given`);
  const updated = copyOf(record);
  const values = ops.map((op) => {
    const pos = checkPos(s, updated, op.pos ?? defaultPos, 'updateCounter');
    const current = updated[pos];
    if (!Number.isSafeInteger(current)) throw new RuntimeError('badarg', `updateCounter: element ${String(pos)} of the record with key ${describeReason(key)} is not a whole number, got ${describeReason(current)}`);
    checkCounterOp(op);
    let value = (current as number) + op.incr;
    // Past 2^53 a number no longer counts by one: refused rather than an increment silently lost.
    if (!Number.isSafeInteger(value)) throw new RuntimeError('badarg', `updateCounter: ${String(current)} + ${op.incr} is past Number.MAX_SAFE_INTEGER, where a counter would lose increments; keep counters within it`);
    if (op.threshold !== undefined && (op.incr >= 0 ? value > op.threshold : value < op.threshold)) value = op.setValue!;
    updated[pos] = value;
    return value;
  });
  s.put(updated);
  return values;
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
    throw new RuntimeError('badarg', `lookupElement: no record with key ${describeReason(key)} in table '${s.label}'`);
  }
  for (const r of records) if (!(pos in r)) throw new RuntimeError('badarg', `lookupElement: the record with key ${describeReason(key)} has no element ${String(pos)} in table '${s.label}'`);
  return isBag(s.type) ? records.map((r) => r[pos]) : records[0]![pos];
}

/** ETS's take/2: the records with `key`, removed from the table. */
export function take(s: TableStore, key: unknown): unknown[] {
  const records = s.records(key);
  if (records.length > 0) s.remove(key);
  return records;
}
