import type { PlanCase } from './types.js';

/** A case that fails at once with `error`: how a broken generator or a missing suite export shows up in the plan. */
export function failingCase(id: string, path: string[], error: unknown, why: string): PlanCase {
  return {
    kind: 'case',
    id,
    name: path[path.length - 1]!,
    path,
    timeoutMs: 1000,
    run: () => {
      throw error instanceof Error ? Object.assign(new Error(`${why}: ${error.message}`, { cause: error }), { stack: `${why}: ${error.stack ?? error.message}` }) : new Error(`${why}: ${String(error)}`);
    },
  };
}

/** A property-test case: the runner checks `property` (a property, or a function returning one) with fast-check instead of calling `run`. */
export function propertyCase(id: string, path: string[], exported: unknown, timeoutMs: number): PlanCase {
  const name = path[path.length - 1]!;
  let property = exported;
  if (typeof exported === 'function' && exported.length === 0) {
    try {
      property = (exported as () => unknown)();
    } catch (error) {
      return failingCase(id, path, error, 'bad property');
    }
  }
  if (!isProperty(property)) return failingCase(id, path, new TypeError(`${name} is not a fast-check property: export fc.property(...) or fc.asyncProperty(...), or a function returning one`), 'bad property');
  return { kind: 'case', id, name, path, timeoutMs, property, run: () => undefined };
}

/** True for a fast-check property value (it has `generate` and `run`). */
export function isProperty(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { generate?: unknown }).generate === 'function' && typeof (value as { run?: unknown }).run === 'function';
}

/** A module's export names in source order when known, else alphabetically (the order of module namespaces). */
export function exportNames(exports: Readonly<Record<string, unknown>>, order: readonly string[] | undefined): string[] {
  const names = Object.keys(exports);
  if (!order) return names;
  const known = [...new Set(order)].filter((n) => n in exports);
  return [...known, ...names.filter((n) => !known.includes(n))];
}

/** A small seeded PRNG (mulberry32), so shuffles are reproducible from the printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy of `items` (Fisher–Yates over the seeded PRNG). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A time limit a test file gives (`timeout(ms, ...)`, `suite().timetrap`): a whole number of ms above 0, or Infinity for none; anything else is a TypeError naming `what`. */
export function checkedLimit(ms: unknown, what: string): number | undefined {
  if (ms === undefined || ms === Infinity || (typeof ms === 'number' && Number.isInteger(ms) && ms >= 1)) return ms;
  throw new TypeError(`${what} is ${typeof ms === 'string' ? JSON.stringify(ms) : String(ms)}: a time limit is a whole number of milliseconds above 0, or Infinity for none`);
}
