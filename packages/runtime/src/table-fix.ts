import { RuntimeError, describeBrief } from './errors.js';
import type { Pid } from './pid.js';
import type { SafeFixed } from './table-api.js';
import { TableFix, isBag, type TableOwner, type TableStore } from './table-store.js';

export type { SafeFixed } from './table-api.js';


/** Fixes (`on`) or releases one fix of (`!on`) `store` for `caller`; a release without a fix is ignored, as ETS's. */
export function safeFixtable(store: TableStore, caller: TableOwner, on: boolean): void {
  if (typeof on !== 'boolean') throw new RuntimeError('badarg', `safeFixtable takes true (fix) or false (release), got ${describeBrief(on)}`);
  const fixers = store.registry.fixers;
  if (on) {
    store.fix ??= new TableFix(store.type === 'orderedSet' ? [] : store.data.keys());
    store.fix.counts.set(caller, (store.fix.counts.get(caller) ?? 0) + 1);
    let mine = fixers.get(caller);
    if (mine === undefined) fixers.set(caller, (mine = new Set()));
    mine.add(store);
    return;
  }
  const n = store.fix?.counts.get(caller);
  if (n === undefined) return;
  if (n > 1) store.fix!.counts.set(caller, n - 1);
  else release(store, caller);
}

/** Drops every fix `proc` holds on `store` (its last release, or its exit). */
export function release(store: TableStore, proc: TableOwner): void {
  const fix = store.fix;
  if (fix !== null) {
    fix.counts.delete(proc);
    if (fix.counts.size === 0) store.fix = null;
  }
  const mine = store.registry.fixers.get(proc);
  mine?.delete(store);
  if (mine?.size === 0) store.registry.fixers.delete(proc);
}

/** The fixation as `info` reports it, or false when the table is not fixed. */
export function safeFixedInfo(store: TableStore): SafeFixed | false {
  const fix = store.fix;
  if (fix === null) return false;
  return { since: fix.since, fixers: Array.from(fix.counts, ([p, n]): [Pid, number] => [p.pid, n]) };
}

// The record key of what the data map holds at `slot`.
function keyAt(s: TableStore, slot: unknown): unknown {
  const v = s.data.get(slot);
  return s.keyOf(isBag(s.type) ? (v as unknown[])[0] : v);
}

/** ets:first/1 of a set or bag: insertion order, or the fixed walk order while fixed. */
export function firstUnordered(s: TableStore): unknown {
  if (s.fix !== null) {
    // A new walk: it goes over every key the table held while fixed, up to those it holds now.
    s.fix.restart();
    const slot = s.fix.liveFrom(s.data, 0);
    return slot === undefined ? undefined : keyAt(s, slot);
  }
  const entries = s.data.keys();
  return stepWalk(s, entries);
}

// The key of the next data-map key of `entries`, which is kept (as the store's walk) for the next call of next
// to go on from: a first/next walk is one step a key, not a scan from the start each time.
function stepWalk(s: TableStore, entries: Iterator<unknown>): unknown {
  const r = entries.next();
  if (r.done === true) {
    s.walk = null;
    return undefined;
  }
  s.walk = { slot: r.value, entries };
  return keyAt(s, r.value);
}

/** ets:next/2 of a set or bag: the key after `key`; while fixed, `key` may have been deleted since it was reached. */
export function nextUnordered(s: TableStore, key: unknown, what: 'next' | 'prev' = 'next'): unknown {
  const k = s.slot(key);
  if (s.fix !== null) {
    const at = s.fix.positionOf(k);
    if (at >= 0) {
      const slot = s.fix.liveFrom(s.data, at + 1);
      return slot === undefined ? undefined : keyAt(s, slot);
    }
  } else if (s.data.has(k)) {
    // The walk the last first/next left at this key (a Map's iterator goes on across inserts and deletes), else a
    // new one moved past the key.
    let entries = s.walk !== null && s.walk.slot === k ? s.walk.entries : null;
    if (entries === null) {
      entries = s.data.keys();
      for (let r = entries.next(); r.done !== true && r.value !== k; r = entries.next());
    }
    return stepWalk(s, entries);
  }
  // A key not in the table has no place in an unordered walk: ETS answers badarg.
  throw new RuntimeError(
    'badarg',
    `${what}: key ${describeBrief(key)} is not in table '${s.label}' (a set or bag is walked only from keys it holds; fix it with safeFixtable to walk on from keys deleted meanwhile)`,
  );
}
