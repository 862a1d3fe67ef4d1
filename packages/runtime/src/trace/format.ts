import { types } from 'node:util';
import { Pid, Ref } from '../pid.js';
import { ProcessImpl } from '../process.js';
import { cutText, summarise } from './format-special.js';

/** How much of a value the node formats for a trace event: nesting depth, items per container, characters. */
export interface FormatBounds {
  depth: number;
  items: number;
  chars: number;
  /** A trace session's allowance for listing objects' keys (each session has one); none: every object is listed. */
  budget?: ListingBudget;
}

// A session's listings may cost a burst of this much, then about this share of the time (1 ms in 100) on average.
const LISTING_BURST_MS = 50;
const LISTING_SHARE = 0.01;

/**
 * What a trace session may spend listing the keys of objects it formats: V8 lists all of an object's keys before
 * the first can be read, and no cheaper size signal exists, so a traced call given a new object of a million keys
 * each time would cost the node seconds an event. Once costly listings have cost the session more than a 50 ms
 * burst, an object it has not listed before shows as `{…}` (`Cart {…}`) until its allowance recovers (1 ms per 100 ms).
 */
export class ListingBudget {
  private debtMs = 0;
  private at = performance.now();

  /** True while an object not listed before may be listed. */
  get open(): boolean {
    this.recover();
    return this.debtMs <= LISTING_BURST_MS;
  }

  /** Counts a costly listing against the allowance. */
  spend(ms: number): void {
    this.recover();
    this.debtMs += ms;
  }

  private recover(): void {
    const now = performance.now();
    this.debtMs = Math.max(0, this.debtMs - (now - this.at) * LISTING_SHARE);
    this.at = now;
  }
}

/** The bounds trace events use unless a session asks for others. */
export const DEFAULT_BOUNDS: FormatBounds = { depth: 3, items: 10, chars: 400 };

const IDENT = /^[A-Za-z_$][\w$]*$/;

/**
 * Formats a value for a trace event, reading no more of it than the bounds allow: a megabyte string,
 * buffer or array costs what its first few items cost. The result is at most `chars` long. It never
 * throws and runs no getter: a part it cannot read (a revoked proxy, an invalid date) shows as `[unreadable: …]`.
 */
export function formatBounded(value: unknown, bounds: FormatBounds = DEFAULT_BOUNDS): string {
  const out = { text: '', full: false };
  write(value, bounds.depth, bounds, out, new Set());
  return out.full ? `${out.text.slice(0, bounds.chars - 1)}…` : out.text;
}

interface Sink {
  text: string;
  full: boolean;
}

function emit(out: Sink, s: string, bounds: FormatBounds): boolean {
  if (out.full) return false;
  out.text += s;
  if (out.text.length > bounds.chars) out.full = true;
  return !out.full;
}

// A value met while formatting is the traced code's own: whatever it throws is shown, never thrown back into that code.
function write(v: unknown, depth: number, b: FormatBounds, out: Sink, seen: Set<object>): void {
  try {
    writeValue(v, depth, b, out, seen);
  } catch (error) {
    emit(out, `[unreadable: ${describeThrown(error)}]`, b);
  }
}

function describeThrown(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
  } catch {
    return 'unknown';
  }
}

function writeValue(v: unknown, depth: number, b: FormatBounds, out: Sink, seen: Set<object>): void {
  if (out.full) return;
  switch (typeof v) {
    case 'string':
      emit(out, JSON.stringify(v.length > b.chars ? `${v.slice(0, b.chars)}…` : v), b);
      return;
    case 'number':
    case 'boolean':
    case 'undefined':
      emit(out, String(v), b);
      return;
    case 'bigint':
      emit(out, `${v}n`, b);
      return;
    case 'symbol':
      emit(out, v.toString(), b);
      return;
    case 'function':
      emit(out, summarise(v)!, b);
      return;
    case 'object':
      break; // null, the runtime's own classes, arrays, maps, sets and plain objects: below
  }
  if (v === null) return void emit(out, 'null', b);
  if (v instanceof Pid || v instanceof Ref) return void emit(out, v.toString(), b);
  if (v instanceof ProcessImpl) return void emit(out, `ctx${v.pid}`, b);
  // util.types, not instanceof: values made in another realm (otp shell's lines run in a context of their own) are maps, dates and errors too.
  if (v instanceof Error || types.isNativeError(v)) return writeError(v, depth, b, out, seen);
  if (types.isDate(v)) return void emit(out, Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString(), b);
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) return writeBinary(v, b, out);
  const obj = v as object;
  const summary = summarise(obj);
  if (summary !== undefined) return void emit(out, summary, b);
  if (seen.has(obj)) return void emit(out, '[Circular]', b);
  if (depth <= 0) return void emit(out, cutText(obj, classNameOf(obj)), b);
  seen.add(obj);
  try {
    if (Array.isArray(obj)) writeItems(out, b, '[', ']', obj.length, (i) => write(obj[i], depth - 1, b, out, seen));
    else if (types.isMap(obj)) writeEntries(out, b, 'Map{', obj.size, obj.entries(), (k, x) => (write(k, depth - 1, b, out, seen), emit(out, ' => ', b), write(x, depth - 1, b, out, seen)));
    else if (types.isSet(obj)) writeEntries(out, b, 'Set{', obj.size, obj.entries(), (k) => write(k, depth - 1, b, out, seen));
    else writeObject(obj as Record<string, unknown>, depth, b, out, seen);
  } finally {
    seen.delete(obj);
  }
}

// The header and stack show an error's name and message; its own fields (a system error's code, errno, syscall and
// path, a cause, an AggregateError's errors) follow as Node's inspect shows them, bounded as any object's are.
const ERROR_SHOWN = new Set<PropertyKey>(['name', 'message', 'stack']);

function writeError(e: Error, depth: number, b: FormatBounds, out: Sink, seen: Set<object>): void {
  if (seen.has(e)) return void emit(out, '[Circular]', b);
  emit(out, `${e.name}: ${e.message}`, b);
  if (depth <= 0) return;
  const listed = ownEnumerableKeys(e, b.items + ERROR_SHOWN.size, b.budget);
  const own = (listed?.keys ?? []).filter((k) => !ERROR_SHOWN.has(k));
  const keys = own.slice(0, b.items);
  const more = listed === undefined || listed.more || own.length > b.items;
  // cause and errors set by the constructor are own but not enumerable: inspect shows them as [cause] and [errors].
  const hidden = (['cause', 'errors'] as const).filter((k) => Object.prototype.hasOwnProperty.call(e, k) && !Object.prototype.propertyIsEnumerable.call(e, k));
  if (keys.length === 0 && hidden.length === 0) {
    if (more) emit(out, ' {…}', b);
    return;
  }
  seen.add(e);
  try {
    const field = (label: string, k: PropertyKey, i: number): void => {
      emit(out, `${i > 0 ? ', ' : ' { '}${label}: `, b);
      const d = Object.getOwnPropertyDescriptor(e, k);
      if (d && !('value' in d)) emit(out, d.set ? (d.get ? '[Getter/Setter]' : '[Setter]') : '[Getter]', b);
      else write(d?.value, depth - 1, b, out, seen);
    };
    keys.forEach((k, i) => field(typeof k === 'symbol' ? `[${k.toString()}]` : IDENT.test(k) ? k : JSON.stringify(k), k, i));
    hidden.forEach((k, i) => field(`[${k}]`, k, keys.length + i));
    emit(out, `${more ? ', …' : ''} }`, b);
  } finally {
    seen.delete(e);
  }
}

// Binary data is read by index, never enumerated: a for…in over a 50 MB buffer builds 50 million keys.
function writeBinary(v: ArrayBufferView | ArrayBufferLike, b: FormatBounds, out: Sink): void {
  const name = Object.getPrototypeOf(v)?.constructor?.name ?? 'ArrayBuffer';
  if (!ArrayBuffer.isView(v) || v instanceof DataView) return void emit(out, `${name}(${v.byteLength})`, b);
  const items = v as unknown as ArrayLike<number | bigint>;
  emit(out, `${name}(${items.length}) `, b);
  writeItems(out, b, '[', ']', items.length, (i) => emit(out, typeof items[i] === 'bigint' ? `${items[i]}n` : String(items[i]), b));
}

function writeItems(out: Sink, b: FormatBounds, open: string, close: string, n: number, item: (i: number) => void): void {
  emit(out, open, b);
  for (let i = 0; i < Math.min(n, b.items); i++) {
    if (i > 0) emit(out, ', ', b);
    item(i);
  }
  if (n > b.items) emit(out, `, …${n - b.items} more`, b);
  emit(out, close, b);
}

function writeEntries(out: Sink, b: FormatBounds, open: string, size: number, it: Iterator<[unknown, unknown]>, entry: (k: unknown, v: unknown) => void): void {
  writeItems(out, b, open, '}', size, () => {
    const { value } = it.next();
    if (value) entry(value[0], value[1]);
  });
}

// An object's class name, '' for a plain object of any realm (its prototype is that realm's Object.prototype).
function classNameOf(obj: object): string {
  const proto: unknown = Object.getPrototypeOf(obj);
  const ctor = proto === null || Object.getPrototypeOf(proto) === null ? undefined : (proto as { constructor?: { name?: unknown } }).constructor;
  return ctor && typeof ctor.name === 'string' ? ctor.name : '';
}

function writeObject(obj: Record<PropertyKey, unknown>, depth: number, b: FormatBounds, out: Sink, seen: Set<object>): void {
  const name = classNameOf(obj);
  const prefix = name === '' ? '' : `${name} `;
  const listed = ownEnumerableKeys(obj, b.items, b.budget);
  if (listed === undefined) return void emit(out, cutText(obj, name), b);
  const { keys, more } = listed;
  emit(out, `${prefix}{`, b);
  keys.forEach((k, i) => {
    // Symbol keys show as Node's inspect shows them: [Symbol(k)].
    emit(out, `${i > 0 ? ', ' : ' '}${typeof k === 'symbol' ? `[${k.toString()}]` : IDENT.test(k) ? k : JSON.stringify(k)}: `, b);
    // A getter is not run: it is the traced code's, and may have effects or be slow.
    const d = Object.getOwnPropertyDescriptor(obj, k);
    if (d && !('value' in d)) emit(out, d.set ? (d.get ? '[Getter/Setter]' : '[Setter]') : '[Getter]', b);
    else write(d?.value, depth - 1, b, out, seen);
  });
  emit(out, `${more ? ', …' : ''}${keys.length > 0 ? ' ' : ''}}`, b);
}

// Listing an object's keys costs one pass over all of them, however few are read: V8 lists every key of a
// for…in (and of getOwnPropertySymbols) before the first can be read, about 0.5 s for a million keys, and no
// cheaper size signal exists for a plain object. An object whose listing took longer than this is remembered
// with the keys it showed: each later event reads those keys' values only (a key since deleted is left out). A
// session's listings are bounded by its budget: once spent, an object not remembered is not listed.
const COSTLY_LISTING_MS = 2;
const costly = new WeakMap<object, { keys: Array<string | symbol>; more: boolean }>();

// Up to `max` own enumerable keys, strings first then symbols (as Node's inspect orders them); `more` when some were
// left out. Undefined when the budget is spent and the object's keys are not remembered: it is not listed.
function ownEnumerableKeys(obj: object, max: number, budget: ListingBudget | undefined): { keys: Array<string | symbol>; more: boolean } | undefined {
  const known = costly.get(obj);
  const open = budget?.open ?? true;
  // The remembered keys answer when they are enough for `max`, or were all the object had, or the budget is spent.
  if (known !== undefined && (known.keys.length >= max || !known.more || !open)) {
    const keys = known.keys.slice(0, max).filter((k) => Object.prototype.propertyIsEnumerable.call(obj, k));
    return { keys, more: known.more || known.keys.length > max };
  }
  if (!open) return undefined;
  const t0 = performance.now();
  const listed = listKeys(obj, max);
  const ms = performance.now() - t0;
  if (ms > COSTLY_LISTING_MS) {
    costly.set(obj, listed);
    budget?.spend(ms);
  }
  return listed;
}

function listKeys(obj: object, max: number): { keys: Array<string | symbol>; more: boolean } {
  // for…in stops after the first few keys (V8 still lists a plain object's own keys once, in native code).
  const keys: Array<string | symbol> = [];
  for (const k in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
    if (keys.length === max) return { keys, more: true };
    keys.push(k);
  }
  for (const k of Object.getOwnPropertySymbols(obj)) {
    if (!Object.prototype.propertyIsEnumerable.call(obj, k)) continue;
    if (keys.length === max) return { keys, more: true };
    keys.push(k);
  }
  return { keys, more: false };
}
