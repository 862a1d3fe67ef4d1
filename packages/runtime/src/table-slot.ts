import { RuntimeError, describeBrief } from './errors.js';
import { isBag, type TableStore } from './table-store.js';


/**
 * ets:slot/2. An orderedSet's slot i is its i-th key. A set or bag's is its i-th key in insertion order, found from
 * where the last call stopped, so a walk over the slots is one step a slot; a delete since then shifts the later
 * keys, so the next call counts from the start again. While the table is fixed, slot i is the i-th key of the
 * fixed walk order, where a key deleted meanwhile keeps its place (an empty slot, `[]`) and keys inserted
 * meanwhile come at the end, those inserted before the walk reaches the end once: a walk then visits each key at most
 * once and ends, as first/next do.
 */
export function slotOf(s: TableStore, i: number): unknown[] | undefined {
  const fix = s.type === 'orderedSet' ? null : s.fix;
  const slots = fix === null ? s.data.size : fix.size;
  if (!Number.isInteger(i) || i < 0 || i > slots) throw new RuntimeError('badarg', `slot ${describeBrief(i)} is outside table '${s.label}': use an integer from 0 to ${slots}`);
  if (i === slots || (fix !== null && i >= fix.slotEnd(i))) return undefined;
  if (s.type === 'orderedSet') return s.records(s.sorted[i]);
  return recordsAt(s, fix === null ? liveKey(s, i) : fix.slotAt(i));
}

// The records the data map holds at `key` (a copy of a bag's list), none for a key deleted since the table was fixed.
function recordsAt(s: TableStore, key: unknown): unknown[] {
  const v = s.data.get(key);
  if (v === undefined) return [];
  return isBag(s.type) ? (v as unknown[]).slice() : [v];
}

// The data-map key at position `i` of an unfixed set or bag, stepping on from the cursor when it is at or before i.
function liveKey(s: TableStore, i: number): unknown {
  let c = s.slotCursor;
  // An insert adds its key at the end (or keeps an existing key's place): only a delete moves the keys after it.
  if (c === null || c.shifts !== s.shifts || c.index > i) {
    c = s.slotCursor = { index: -1, key: undefined, keys: s.data.keys(), shifts: s.shifts };
  }
  for (; c.index < i; c.index++) c.key = c.keys.next().value;
  return c.key;
}
