import { Pid, Ref } from './pid.js';
import { RuntimeError } from './errors.js';

/** The wildcard of table match patterns (Erlang's `'_'`): matches any value. */
export const _: unique symbol = Symbol('_');

// The rank of functions: after refs, before pids, as OTP orders funs.
const FUNCTION = 3.5;
// Functions have no order of their own: each gets a serial the first time it is compared or keyed, so two distinct
// ones (even of the same source text) are never equal, as two distinct funs in OTP.
// Symbols made by Symbol() (not Symbol.for) are numbered the same way, to order two of one description.
const functionSerials = new WeakMap<WeakKey, number>();
let lastFunctionSerial = 0;
function serialOf(f: WeakKey): number {
  let n = functionSerials.get(f);
  if (n === undefined) functionSerials.set(f, (n = ++lastFunctionSerial));
  return n;
}

// Rank of each kind of value in the total order (after Erlang's: number < atom < reference < fun < pid < tuple < map < list < binary).
function rank(v: unknown): number {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 0;
    case 'boolean':
      return 1;
    case 'string':
      return 2;
    case 'undefined':
      return 7;
    case 'symbol':
      return 8;
    case 'function':
      return FUNCTION;
    default:
      if (v === null) return 7;
      if (v instanceof Ref) return 3;
      if (v instanceof Pid) return 4;
      if (Array.isArray(v)) return 5;
      return 6;
  }
}

/**
 * A total order over values, used by ordered tables: negative, 0 or positive like a sort comparator.
 * One loop over an explicit stack, so a deep value cannot overflow the call stack; values that hold themselves
 * (cycles) compare without looping: two are equal when no difference is reachable in either (as termEquals).
 */
export function compareTerms(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra !== 5 && ra !== 6) return compareLeaves(ra, a, b);
  const stack: unknown[] = [a, b];
  // Pairs of composites already taken apart (tracked past the first few): met again, they are being compared
  // already (a cycle), or were equal.
  let seen: Map<object, Set<object>> | null = null;
  let composites = 0;
  while (stack.length > 0) {
    const y = stack.pop();
    const x = stack.pop();
    if (x === y) continue;
    const r = rank(x);
    const d = r - rank(y);
    if (d !== 0) return d;
    if (r !== 5 && r !== 6) {
      const c = compareLeaves(r, x, y);
      if (c !== 0) return c;
      continue;
    }
    if (++composites > 16) {
      seen ??= new Map();
      let partners = seen.get(x as object);
      if (partners?.has(y as object)) continue;
      if (partners === undefined) seen.set(x as object, (partners = new Set()));
      partners.add(y as object);
    }
    const c = r === 5 ? pushElements(x as unknown[], y as unknown[], stack) : pushFields(x as object, y as object, stack);
    if (c !== 0) return c;
  }
  return 0;
}

// Two values of one rank that is neither tuple nor object: numbers, booleans, strings, refs, pids, null/undefined, symbols.
function compareLeaves(r: number, a: unknown, b: unknown): number {
  switch (r) {
    case 0:
      return compareNumbers(a as number, b as number);
    case 1:
      return a === b ? 0 : a ? 1 : -1;
    case 2:
      return compareStrings(a as string, b as string);
    case FUNCTION:
      return serialOf(a as object) - serialOf(b as object);
    case 7:
      // null before undefined: distinct values (termEquals) must not be one key of an orderedSet.
      return (a === null ? 0 : 1) - (b === null ? 0 : 1);
    case 8:
      return compareSymbols(a as symbol, b as symbol);
    case 3:
    case 4: {
      const x = a as Pid;
      const y = b as Pid;
      return x.node - y.node || x.id - y.id || (x.serial ?? 0) - (y.serial ?? 0);
    }
    default:
      return 0;
  }
}

// Symbols by description, a registered one (Symbol.for, one per description) before the others of its
// description, and those by creation serial: a total order in which only the same symbol is equal.
function compareSymbols(a: symbol, b: symbol): number {
  const c = compareStrings(a.description ?? '', b.description ?? '');
  if (c !== 0) return c;
  const ra = Symbol.keyFor(a) !== undefined;
  const rb = Symbol.keyFor(b) !== undefined;
  if (ra || rb) return ra === rb ? 0 : ra ? -1 : 1;
  return serialOf(a) - serialOf(b);
}

// Strings by code point, as OTP orders atoms and UTF-8 binaries: UTF-16 units order the same but for a surrogate
// (a code point above U+FFFF) against a unit of U+E000..U+FFFF, which it must follow.
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  const x = a.charCodeAt(i);
  const y = b.charCodeAt(i);
  const lift = (u: number): number => (u >= 0xd800 && u <= 0xdfff ? u + 0x10000 : u);
  return lift(x) - lift(y);
}

// Tuples: shorter first, then element by element (as Erlang orders tuples); the elements go on `stack`, first on top.
function pushElements(x: unknown[], y: unknown[], stack: unknown[]): number {
  if (x.length !== y.length) return x.length - y.length;
  for (let i = x.length - 1; i >= 0; i--) stack.push(x[i], y[i]);
  return 0;
}

// Objects: Dates, Maps and Sets apart (compareSpecial); plain ones by key count, then keys, then values in key order.
function pushFields(a: object, b: object, stack: unknown[]): number {
  const special = compareSpecial(a, b, stack);
  if (special !== undefined) return special;
  const ka = Object.keys(a).sort(compareStrings);
  const kb = Object.keys(b).sort(compareStrings);
  if (ka.length !== kb.length) return ka.length - kb.length;
  // Field names by code point, as every string.
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return compareStrings(ka[i]!, kb[i]!);
  for (let i = ka.length - 1; i >= 0; i--) stack.push((a as Record<string, unknown>)[ka[i]!], (b as Record<string, unknown>)[ka[i]!]);
  return 0;
}

// Numbers and bigints compare by value (1 and 1n are equal, as 1 == 1.0 in Erlang); NaN comes before every
// other number, so the order stays total for ordered tables.
function compareNumbers(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  const xNaN = Number.isNaN(x);
  return xNaN === Number.isNaN(y) ? 0 : xNaN ? -1 : 1;
}

// Dates by time, then Maps, then Sets, before plain objects: their fields are not own enumerable properties, so the
// plain object comparison would find every one equal. As OTP orders maps: the smaller first, then the keys in
// order, then the values in key order (a Set as its sorted elements); the parts go on `stack`, first on top.
function compareSpecial(a: object, b: object, stack: unknown[]): number | undefined {
  const ka = specialKind(a);
  const kb = specialKind(b);
  if (ka === 0 && kb === 0) return undefined;
  if (ka !== kb) return (ka === 0 ? 4 : ka) - (kb === 0 ? 4 : kb);
  if (ka === 1) return compareNumbers((a as Date).getTime(), (b as Date).getTime());
  const size = (a as Map<unknown, unknown>).size - (b as Map<unknown, unknown>).size;
  if (size !== 0) return size;
  const xs = sortedKeys(a, ka === 2 ? (a as Map<unknown, unknown>).keys() : (a as Set<unknown>).values());
  const ys = sortedKeys(b, ka === 2 ? (b as Map<unknown, unknown>).keys() : (b as Set<unknown>).values());
  if (ka === 2) for (let i = xs.length - 1; i >= 0; i--) stack.push((a as Map<unknown, unknown>).get(xs[i]), (b as Map<unknown, unknown>).get(ys[i]));
  for (let i = xs.length - 1; i >= 0; i--) stack.push(xs[i], ys[i]);
  return 0;
}

// The Maps and Sets whose keys are being sorted (by compareTerms, which may sort the keys of the Maps in them).
const sorting = new Set<object>();

// A Map's keys or a Set's elements in term order, as OTP orders a map's keys (a composite key too: a tuple or
// a map by its parts, never by its text). A container met again while its own keys are being sorted (it holds
// itself), or nested past 64 levels of keys, sorts by canonical text instead (a part that holds its container
// written as a back-reference): a total order that needs no comparison of composites within composites.
function sortedKeys(container: object, keys: Iterable<unknown>): unknown[] {
  const list = Array.from(keys);
  if (list.every((k) => k === null || typeof k !== 'object' || k instanceof Pid || k instanceof Ref)) return list.sort(compareTerms);
  if (!sorting.has(container) && sorting.size < 64) {
    sorting.add(container);
    try {
      return list.sort(compareTerms);
    } finally {
      sorting.delete(container);
    }
  }
  const texts = new Map(list.map((k) => [k, canonical(k, true, [])]));
  return list.sort((x, y) => {
    const tx = texts.get(x)!;
    const ty = texts.get(y)!;
    return tx < ty ? -1 : tx > ty ? 1 : 0;
  });
}

function specialKind(v: object): number {
  return v instanceof Date ? 1 : v instanceof Map ? 2 : v instanceof Set ? 3 : 0;
}

/**
 * True when two values are exactly equal (Erlang's =:=), at any depth: the equality of a bag's records, of
 * match patterns and `eq` guards. A number is never equal to a bigint (1 and 1n, as 1 and 1.0 in ETS).
 * One loop over an explicit stack, so a deep value cannot overflow the call stack, and values that hold
 * themselves (cycles) compare without looping: two are equal when no difference is reachable in either.
 */
export function termEquals(a: unknown, b: unknown): boolean {
  // The common answers (the same value, or a primitive or a function against anything else) without allocating the stack.
  if (a === b) return true;
  const t = typeof a;
  if (t === 'string' || t === 'boolean' || t === 'undefined' || t === 'symbol' || t === 'function' || a === null) return false;
  const stack: unknown[] = [a, b];
  // Pairs of composites already taken apart (only tracked past the first few, so small values allocate nothing more).
  let seen: Map<object, Set<object>> | null = null;
  let composites = 0;
  while (stack.length > 0) {
    const y = stack.pop();
    const x = stack.pop();
    if (x === y) continue;
    const r = rank(x);
    if (r !== rank(y)) return false;
    if (r === 0) {
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      return false;
    }
    if (r === 3 || r === 4) {
      if (compareTerms(x, y) === 0) continue;
      return false;
    }
    if (r !== 5 && r !== 6) return false;
    if (++composites > 16) {
      seen ??= new Map();
      let partners = seen.get(x as object);
      if (partners?.has(y as object)) continue;
      if (partners === undefined) seen.set(x as object, (partners = new Set()));
      partners.add(y as object);
    }
    if (!pushParts(x as object, y as object, stack)) return false;
  }
  return true;
}

// Pushes the pairs of parts two composites of one rank are equal by; false when they differ already.
// Dates by time, Maps and Sets by their canonical contents (bigints apart from numbers), plain objects key by key.
function pushParts(a: object, b: object, stack: unknown[]): boolean {
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) stack.push(a[i], y[i]);
    return true;
  }
  const kind = specialKind(a);
  if (kind !== specialKind(b)) return false;
  if (kind === 1) {
    stack.push((a as Date).getTime(), (b as Date).getTime());
    return true;
  }
  if (kind !== 0) return sameContents(a, b);
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    stack.push((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
  }
  return true;
}

// Two Maps or two Sets by their canonical contents (a part that holds its container written as a back-reference,
// as compareTerms compares them); distinct ones nested past the stack count as different rather than overflow.
function sameContents(a: object, b: object): boolean {
  try {
    return canonical(a, false, []) === canonical(b, false, []);
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/**
 * A value usable as a JS Map key with structural equality: primitives stand for themselves, composite
 * keys (tuples, objects, pids) become a canonical string that no primitive string can collide with.
 */
export function termKey(v: unknown): unknown {
  if (typeof v === 'string') return v.charCodeAt(0) === 0 ? `\u0000s${v}` : v;
  if (v === null || typeof v !== 'object') return v;
  return `\u0000${canonicalKey(v, false)}`;
}

/**
 * As termKey, for ordered tables, whose keys are equal when compareTerms says so (OTP's ordered_set
 * compares with ==): a number and a bigint of the same value (1 and 1n) are one key, at any depth.
 */
export function orderedTermKey(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : `\u0000n${v}`;
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v) ? `\u0000n${BigInt(v)}` : v;
  if (typeof v === 'string') return v.charCodeAt(0) === 0 ? `\u0000s${v}` : v;
  if (v === null || typeof v !== 'object') return v;
  return `\u0000${canonicalKey(v, true)}`;
}

// A key that holds itself (a cycle) or nests past the stack would throw a RangeError from deep inside: badarg instead.
function canonicalKey(v: object, byValue: boolean): string {
  try {
    return canonical(v, byValue);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new RuntimeError('badarg', `a value that holds itself (a cycle) or is nested too deep cannot be a key (of a table, or a timeout's name) (${error.message})`);
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// `byValue`: numbers and bigints by their value (ordered tables); otherwise a bigint is never a number.
// `path`: the composites being written, outermost first; given, a part that is one of them (a cycle) is written as a
// back-reference `^n` to its n-th container outwards; null, a cycle overflows the stack (keys refuse cycles).
function canonical(v: unknown, byValue: boolean, path: object[] | null = null): string {
  if (v instanceof Pid) return `p${v.node}.${v.id}.${v.serial}`;
  if (v instanceof Ref) return `r${v.node}.${v.id}`;
  if (v instanceof Date) return `d${v.getTime()}`;
  if (v !== null && typeof v === 'object') {
    const at = path === null ? -1 : path.lastIndexOf(v);
    if (at >= 0) return `^${path!.length - at}`;
    path?.push(v);
    const text = canonicalComposite(v, byValue, path);
    path?.pop();
    return text;
  }
  if (typeof v === 'function') return `f${serialOf(v)}`;
  if (typeof v === 'symbol') return Symbol.keyFor(v) !== undefined ? `y${JSON.stringify(v.description)}` : `Y${serialOf(v)}`;
  if (typeof v === 'bigint') return byValue ? `n${v}` : `b${v}`;
  if (typeof v === 'number') return byValue && Number.isInteger(v) ? `n${BigInt(v)}` : `n${v}`;
  return JSON.stringify(v) ?? String(v);
}

// The canonical text of an array, Map, Set or plain object, its parts through canonical.
function canonicalComposite(v: object, byValue: boolean, path: object[] | null): string {
  const of = (x: unknown): string => canonical(x, byValue, path);
  // Array.from reads a hole as undefined, as compareTerms and termEquals do (map would skip it).
  if (Array.isArray(v)) return `[${Array.from(v, (x) => of(x)).join(',')}]`;
  if (v instanceof Map) return `M{${Array.from(v, ([k, x]) => `${of(k)}=>${of(x)}`).sort().join(',')}}`;
  if (v instanceof Set) return `S{${Array.from(v, of).sort().join(',')}}`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${of((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

/**
 * Matches a value against a pattern: `_` matches anything; arrays match element by element and must
 * have the same length; plain objects match when every key of the pattern matches (a partial object);
 * anything else must be structurally equal.
 */
export function matchPattern(pattern: unknown, value: unknown): boolean {
  if (pattern === _) return true;
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value) || value.length !== pattern.length) return false;
    for (let i = 0; i < pattern.length; i++) if (!matchPattern(pattern[i], value[i])) return false;
    return true;
  }
  if (pattern !== null && typeof pattern === 'object' && !isAtomic(pattern)) {
    if (value === null || typeof value !== 'object') return false;
    for (const k of Object.keys(pattern)) {
      if (!(k in value)) return false;
      if (!matchPattern((pattern as Record<string, unknown>)[k], (value as Record<string, unknown>)[k])) return false;
    }
    return true;
  }
  return termEquals(pattern, value);
}

// Objects a pattern compares whole (structurally), never field by field as a partial object.
function isAtomic(v: object): boolean {
  return v instanceof Pid || v instanceof Ref || specialKind(v) !== 0;
}

/** True when a pattern contains no wildcard at all, so it can be used as a key lookup. */
export function isGround(pattern: unknown): boolean {
  if (pattern === _) return false;
  if (Array.isArray(pattern)) return pattern.every(isGround);
  if (pattern !== null && typeof pattern === 'object' && !isAtomic(pattern)) {
    return Object.values(pattern).every(isGround);
  }
  return true;
}

/**
 * An estimate of the heap bytes a value holds (V8 with pointer compression), walking at most `budget`
 * nodes so that estimating a huge value stays cheap; beyond the budget the average so far is extrapolated.
 * An object reached twice (a cycle, a part shared by two others) is counted once, as it is held once.
 * One loop over an explicit stack (a deep value cannot overflow the call stack), which reads a container's parts
 * as it reaches them. It never throws: an object that cannot be listed (a revoked Proxy, a trap that throws) counts
 * as an empty object, and a part that cannot be read (a getter that throws) leaves out the rest of its container.
 */
export function estimateSize(v: unknown, budget = 1000): number {
  if (typeof v !== 'object' || v === null) return walkSize(v, budget, EMPTY);
  // An object reached again (a cycle, a shared part) is one object: counted once, not walked again. The set is
  // reused between calls (a table write estimates each record); a getter estimating meanwhile takes its own.
  const seen = spareSeen ?? new Set<object>();
  spareSeen = null;
  try {
    return walkSize(v, budget, seen);
  } finally {
    seen.clear();
    spareSeen = seen;
  }
}

let spareSeen: Set<object> | null = null;
const EMPTY: Set<object> = new Set();

// A value's own bytes past this count as they are but stay out of the average the rest is extrapolated with:
// one 50 MB string or one long array walked first would otherwise make each value not walked count as much.
const OUTLIER_BYTES = 1024;

// A container being walked: its parts are read one at a time as the walk reaches them, so a Map or an array of a
// million entries costs what the budget walks of it, never a read of each entry.
class Parts {
  constructor(
    private readonly read: () => unknown,
    public left: number,
  ) {}

  take(): unknown {
    const part = this.read();
    this.left--;
    return part;
  }
}

function walkSize(v: unknown, budget: number, seen: Set<object>): number {
  let visited = 0;
  let bytes = 0;
  // Of the values walked, those of at most OUTLIER_BYTES each: how many, their bytes, and the parts they hold.
  let typical = 0;
  let typicalBytes = 0;
  let typicalParts = 0;
  // Values and containers' parts still to walk: the stack holds values and containers being read (Parts).
  const stack: unknown[] = [v];
  let pending = 1;
  while (pending > 0) {
    if (visited >= budget) {
      if (typical === 0) return bytes;
      // Each value left stands for itself and its parts: with f parts per value walked, 1 / (1 - f) values.
      const subtree = 1 / (1 - Math.min(typicalParts / typical, 0.9));
      return Math.round(bytes + (typicalBytes / typical) * subtree * pending);
    }
    const top = stack[stack.length - 1];
    let x: unknown;
    if (top instanceof Parts) {
      try {
        x = top.take();
      } catch {
        // A part that cannot be read (a Proxy's trap throws): the rest of its container is left out.
        pending -= top.left;
        stack.pop();
        continue;
      }
      if (top.left === 0) stack.pop();
    } else x = stack.pop();
    pending--;
    const depth = stack.length;
    const own = ownBytes(x, stack, seen);
    const parts = stack.length > depth ? (stack[depth] as Parts).left : 0;
    pending += parts;
    visited++;
    bytes += own;
    if (own <= OUTLIER_BYTES) {
      typical++;
      typicalBytes += own;
      typicalParts += parts;
    }
  }
  return bytes;
}

// One value's own bytes, its parts (if any) pushed on `stack` as one Parts; an object already counted adds nothing.
function ownBytes(x: unknown, stack: unknown[], seen: Set<object>): number {
  switch (typeof x) {
    case 'string':
      return 12 + x.length;
    case 'number':
      return Number.isInteger(x) && Math.abs(x) < 2 ** 30 ? 4 : 16;
    case 'bigint':
      return 16 + 8 * Math.ceil(x.toString(16).length / 16);
    case 'object':
      if (x === null) return 4;
      if (seen.has(x)) return 0;
      seen.add(x);
      try {
        return objectParts(x, stack);
      } catch {
        return 12;
      }
    default:
      return 4;
  }
}

// Pushes a container's parts as one Parts, read last first (as a stack of them would be); none when it has none.
function pushLazily(stack: unknown[], list: ArrayLike<unknown>): void {
  let i = list.length;
  if (i > 0) stack.push(new Parts(() => list[--i], i));
}

// An object's own bytes, its parts pushed on `stack` for estimateSize; throws when the object cannot be read.
function objectParts(x: object, stack: unknown[]): number {
  if (Array.isArray(x)) {
    const length = x.length;
    pushLazily(stack, x);
    return 16 + 4 * length;
  }
  if (ArrayBuffer.isView(x)) return 64 + x.byteLength;
  if (x instanceof Map || x instanceof Set) {
    const entries: Iterator<unknown> = x instanceof Map ? x.entries() : x.values();
    // An entry gone meanwhile (a getter walked earlier deleted it) reads as undefined.
    if (x.size > 0) stack.push(new Parts(() => entries.next().value, x.size));
    return 48 + 20 * x.size;
  }
  // Its keys are listed at once (V8 has no cheaper way), its values read, getters run, as the walk reaches them.
  const keys = Object.keys(x);
  let i = keys.length;
  if (i > 0) stack.push(new Parts(() => (x as Record<string, unknown>)[keys[--i]!], i));
  return 12 + 4 * keys.length;
}
