/** True when two values are deeply, structurally equal: primitives by `Object.is`, containers by content. */
export function deepEqual(a: unknown, b: unknown, seen = new Map<object, object>()): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  // A pair already under comparison is assumed equal, so cyclic values terminate.
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (Array.isArray(a)) {
    const y = b as unknown[];
    return a.length === y.length && a.every((v, i) => deepEqual(v, y[i], seen));
  }
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof RegExp) return String(a) === String(b);
  if (a instanceof Map) return mapsEqual(a, b as Map<unknown, unknown>, seen);
  if (a instanceof Set) return setsEqual(a, b as Set<unknown>, seen);
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], seen));
}

function mapsEqual(a: Map<unknown, unknown>, b: Map<unknown, unknown>, seen: Map<object, object>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    if (b.has(k)) {
      if (!deepEqual(v, b.get(k), seen)) return false;
      continue;
    }
    let found = false;
    for (const [k2, v2] of b) if (deepEqual(k, k2, seen) && deepEqual(v, v2, seen)) found = true;
    if (!found) return false;
  }
  return true;
}

function setsEqual(a: Set<unknown>, b: Set<unknown>, seen: Map<object, object>): boolean {
  if (a.size !== b.size) return false;
  for (const v of a) {
    if (b.has(v)) continue;
    let found = false;
    for (const w of b) if (deepEqual(v, w, seen)) found = true;
    if (!found) return false;
  }
  return true;
}
