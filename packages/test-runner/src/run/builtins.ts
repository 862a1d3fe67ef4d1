// Builtins the runner's own code relies on: a test that replaces one and never puts it back would break the runner
// (or every later test), so each case's start is snapshotted and what differs after it is restored and blamed on it.
// The functions used here are captured at load, as Node's primordials are, so a replaced builtin cannot break them.
const ownKeys = Reflect.ownKeys;
const describe = Object.getOwnPropertyDescriptor;
const define = Object.defineProperty;
const globals: readonly string[] = ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'queueMicrotask', 'structuredClone', 'Promise', 'Array', 'Object', 'Function', 'String', 'Number', 'Boolean', 'Symbol', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Error', 'TypeError', 'RangeError', 'JSON', 'Reflect', 'Proxy', 'RegExp', 'Math', 'Date', 'console', 'performance', 'process'];
const watched: ReadonlyArray<readonly [string, object]> = [
  ['Array.prototype', Array.prototype], ['Array', Array], ['Object', Object], ['Object.prototype', Object.prototype],
  ['Function.prototype', Function.prototype], ['Promise', Promise], ['Promise.prototype', Promise.prototype],
  ['String.prototype', String.prototype], ['Map.prototype', Map.prototype], ['Set.prototype', Set.prototype],
  ['WeakMap.prototype', WeakMap.prototype], ['JSON', JSON], ['Reflect', Reflect], ['Error.prototype', Error.prototype],
  ['Number.prototype', Number.prototype], ['RegExp.prototype', RegExp.prototype], ['Symbol', Symbol],
  // The clocks, the randomness and the console every later test (and the runtime's timeouts) reads: a stubbed
  // Date.now left behind makes the next test's receive time out, a silenced console.log loses its output.
  ['Date', Date], ['Date.prototype', Date.prototype], ['Math', Math], ['console', console],
];
// Named keys of objects whose other own properties change as a test runs (process's listener counts), or that
// inherit the method a stub shadows with an own property (`performance.now = …`).
const keyed: ReadonlyArray<readonly [string, object, readonly string[]]> = [
  ['process', process, ['exit', 'kill', 'nextTick', 'hrtime', 'emitWarning']],
  ['performance', performance, ['now']],
  // Where performance.now lives: a stub of the class's method changes every instance's.
  ['Performance.prototype', Object.getPrototypeOf(performance) as object, ['now']],
];

interface Slot {
  readonly name: string;
  readonly owner: object;
  readonly key: PropertyKey;
  readonly desc: PropertyDescriptor | undefined;
  /** What an accessor read (Node's `performance` global keeps its accessor when assigned: only the value tells). */
  readonly read?: unknown;
}

/** What the watched builtins are now (a snapshot to compare against with `restoreBuiltins`). */
export type BuiltinsSnapshot = readonly Slot[];

/** Takes a snapshot of the watched builtins and global timers. */
export function snapshotBuiltins(): BuiltinsSnapshot {
  const slots: Slot[] = [];
  for (let i = 0; i < globals.length; i++) {
    const desc = describe(globalThis, globals[i]!);
    slots[slots.length] = { name: `the global ${globals[i]!}`, owner: globalThis, key: globals[i]!, desc, ...(desc?.get !== undefined && { read: (globalThis as Record<string, unknown>)[globals[i]!] }) };
  }
  for (let i = 0; i < watched.length; i++) {
    const [ownerName, owner] = watched[i]!;
    const keys = ownKeys(owner);
    for (let k = 0; k < keys.length; k++) slots[slots.length] = { name: `${ownerName}.${String(keys[k]!)}`, owner, key: keys[k]!, desc: describe(owner, keys[k]!) };
  }
  for (let i = 0; i < keyed.length; i++) {
    const [ownerName, owner, keys] = keyed[i]!;
    for (let k = 0; k < keys.length; k++) slots[slots.length] = { name: `${ownerName}.${keys[k]!}`, owner, key: keys[k]!, desc: describe(owner, keys[k]!) };
  }
  return slots;
}

/** Puts back every watched builtin that differs from `snapshot`; returns the names of those it had to restore. */
export function restoreBuiltins(snapshot: BuiltinsSnapshot): string[] {
  const changed: string[] = [];
  for (let i = 0; i < snapshot.length; i++) {
    const slot = snapshot[i]!;
    const now = describe(slot.owner, slot.key);
    const same = sameSlot(slot.desc, now);
    if (same && !('read' in slot && (slot.owner as Record<PropertyKey, unknown>)[slot.key] !== slot.read)) continue;
    changed[changed.length] = slot.name;
    try {
      if (same) (slot.owner as Record<PropertyKey, unknown>)[slot.key] = slot.read;
      else if (slot.desc !== undefined) define(slot.owner, slot.key, slot.desc);
      else delete (slot.owner as Record<PropertyKey, unknown>)[slot.key];
    } catch {
      // A builtin made non-configurable by the test stays as it left it; it is still named.
    }
  }
  return changed;
}

function sameSlot(a: PropertyDescriptor | undefined, b: PropertyDescriptor | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.value === b.value && a.get === b.get && a.set === b.set;
}
