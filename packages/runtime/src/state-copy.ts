import { clearImmediate, clearTimeout, setImmediate, setTimeout } from 'node:timers';
import { types } from 'node:util';
import { EventEmitter } from 'node:events';
import { Pid, Ref } from './pid.js';
import { ProcessImpl } from './process.js';
import { OtpNode } from './node.js';
import { TableStore } from './table-store.js';
import { Logger } from './logger.js';

/**
 * A class may define a method under this symbol to say how its instances are copied before an upgrade's
 * codeChange sees them: it gets the copier (for nested values, sharing and cycles kept) and `made`, to call
 * with its copy before it copies what may lead back to the instance (a cycle then reaches that copy), and
 * returns the copy; returning `this` keeps the instance itself, which codeChange must then not mutate.
 */
export const copyState: unique symbol = Symbol.for('otp-ts.copyState');

/** A value found in a state that cannot be copied for codeChange: where it is, what it is (and why not), and the fix. */
export class Unprotectable extends Error {
  constructor(
    readonly path: string,
    readonly what: string,
    readonly fix: string,
  ) {
    super(`${path} is ${what}: ${fix}`);
    this.name = 'Unprotectable';
  }
}

// How a step of the path to a value reads: a property, a Map entry's value (`.get(key)`), or a label.
type How = 'prop' | 'get' | 'label';

function render(keys: readonly unknown[], hows: readonly How[], depth: number): string {
  let out = '';
  for (let i = 0; i < depth; i++) {
    const key = keys[i];
    const how = hows[i];
    out += how === 'prop' ? keyText(key as string | symbol) : how === 'get' ? `.get(${short(key)})` : String(key);
  }
  return out;
}

function keyText(key: string | symbol): string {
  if (typeof key === 'symbol') return `[${key.toString()}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : /^\d+$/.test(key) ? `[${key}]` : `[${JSON.stringify(key)}]`;
}

function short(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
  return '…';
}

// Values that hold resources or are shared on purpose: codeChange gets them as they are.
const TIMER_PROTOS: object[] = (() => {
  const t = setTimeout(() => undefined, 0);
  const i = setImmediate(() => undefined);
  clearTimeout(t);
  clearImmediate(i);
  return [Object.getPrototypeOf(t) as object, Object.getPrototypeOf(i) as object];
})();

// A node's code server (without importing it: it copies states with this file): the object its node names as its code.
function isCodeServer(x: object): boolean {
  const node = Object.getOwnPropertyDescriptor(x, 'node')?.value as unknown;
  return node instanceof OtpNode && node.code === x;
}

/** Internal: a value a state copy keeps by reference (pids, processes, the node, resources, …): nothing of the state inside. */
export function isKeptByReference(x: object): boolean {
  return (
    x instanceof Pid ||
    x instanceof Ref ||
    x instanceof ProcessImpl ||
    x instanceof OtpNode ||
    x instanceof TableStore ||
    x instanceof Logger ||
    isCodeServer(x) ||
    x instanceof EventEmitter ||
    TIMER_PROTOS.includes(Object.getPrototypeOf(x) as object) ||
    types.isSharedArrayBuffer(x) ||
    types.isExternal(x) ||
    types.isModuleNamespaceObject(x)
  );
}

// What cannot be copied: one sentence each on what it is and what to do instead.
function refusal(x: object): [string, string] | undefined {
  if (types.isWeakMap(x)) return ['a WeakMap, which cannot be copied', 'use a Map, or keep it outside the state (e.g. in a module-level variable)'];
  if (types.isWeakSet(x)) return ['a WeakSet, which cannot be copied', 'use a Set, or keep it outside the state (e.g. in a module-level variable)'];
  if (x instanceof WeakRef) return ['a WeakRef, which cannot be copied', 'keep it outside the state (e.g. in a module-level variable)'];
  if (x instanceof FinalizationRegistry) return ['a FinalizationRegistry, which cannot be copied', 'keep it outside the state (e.g. in a module-level variable)'];
  if (types.isPromise(x)) return ['a Promise, which cannot be copied', 'store the value it resolves to, or keep it outside the state'];
  if (types.isGeneratorObject(x)) return ['a generator, which cannot be copied', 'store the data it walks instead'];
  if (types.isMapIterator(x) || types.isSetIterator(x)) return ['an iterator, which cannot be copied', 'store the data it walks instead'];
  return undefined;
}

const privateFields = new WeakMap<object, string | null>();

// The class (own or inherited) that declares #private fields, which a copy made from outside cannot carry.
function classWithPrivateFields(proto: object): string | null {
  let found = privateFields.get(proto);
  if (found !== undefined) return found;
  found = null;
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    const ctor = Object.getOwnPropertyDescriptor(p, 'constructor')?.value as unknown;
    if (typeof ctor !== 'function') continue;
    const source = Function.prototype.toString.call(ctor);
    if (source.startsWith('class') && /(^|[\s;{}])(static\s+)?(async\s+)?\*?\s*#[A-Za-z_$]/m.test(source)) {
      found = ctor.name || 'an anonymous class';
      break;
    }
  }
  privateFields.set(proto, found);
  return found;
}

// The name of the class `x` is an instance of, for a refusal.
function className(x: object): string {
  return (Object.getPrototypeOf(x) as { constructor?: { name?: string } } | null)?.constructor?.name || 'an anonymous class';
}

// A built-in class (internal slots the copy cannot carry): kept when global (URL, AbortController, Intl.*…).
function isOpaqueBuiltin(proto: object): boolean {
  const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
  if (typeof ctor !== 'function') return false;
  if ((globalThis as Record<string, unknown>)[ctor.name] === ctor) return true;
  return Function.prototype.toString.call(ctor).endsWith('{ [native code] }');
}

// A class's [copyState] method: given the copier's function for nested values and `made` (which records its copy
// early, for cycles back to the instance), it returns the copy.
type CopyHook = (this: object, copy: <V>(v: V) => V, made: <T>(out: T) => T) => unknown;

// No copy made yet (a copy may be undefined: a copyState hook's answer).
const NOT_SEEN = Symbol('not seen');
// The memo's entry for an instance whose copyState runs and has not called `made` yet.
const IN_HOOK = Symbol('copyState running');
// The longest plain array whose names a copy lists to find properties set on it besides its elements.
const LISTED_ARRAY = 1024;
// Entries a copier keeps in its arrays before it moves them to a Map.
const SMALL_MEMO = 8;

const TYPED: Record<string, new (buffer: ArrayBuffer, offset: number, length: number) => ArrayBufferView> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};

/**
 * What a copier copied into what (sharing and cycles): two arrays while few, so that copying the small states of
 * thousands of processes with one copier allocates no table each; a Map past SMALL_MEMO entries.
 */
class CopyMemo {
  private readonly keys: object[] = [];
  private readonly copies: unknown[] = [];
  private count = 0;
  private map: Map<object, unknown> | null = null;

  reset(): void {
    this.count = 0;
    this.map = null;
  }

  // The copy made of `x`, or NOT_SEEN.
  get(x: object): unknown {
    if (this.map !== null) return this.map.has(x) ? this.map.get(x) : NOT_SEEN;
    for (let i = 0; i < this.count; i++) if (this.keys[i] === x) return this.copies[i];
    return NOT_SEEN;
  }

  // Records (or replaces) the copy of `x`.
  set<T>(x: object, copy: T): T {
    if (this.map !== null) {
      this.map.set(x, copy);
      return copy;
    }
    for (let i = 0; i < this.count; i++) {
      if (this.keys[i] !== x) continue;
      this.copies[i] = copy;
      return copy;
    }
    if (this.count < SMALL_MEMO) {
      this.keys[this.count] = x;
      this.copies[this.count++] = copy;
      return copy;
    }
    this.map = new Map();
    for (let i = 0; i < this.count; i++) this.map.set(this.keys[i]!, this.copies[i]);
    this.map.set(x, copy);
    return copy;
  }
}

/**
 * Deep-copies states for codeChange: prototypes, property descriptors, shared references and cycles are
 * kept (one memo per copier, so values shared between the parts copied stay shared); functions, pids,
 * refs, module exports and resources are kept by reference; what cannot be copied throws `Unprotectable`.
 */
export class StateCopier {
  // What was copied into what (sharing and cycles).
  private readonly memo = new CopyMemo();
  // The path from the root to the value being copied, one step a level, rendered only when a refusal names
  // it: kept in two reused arrays, so that walking a state allocates nothing for it.
  private readonly pathKeys: unknown[] = [];
  private readonly pathHows: How[] = [];
  private depth = 0;
  // How many times the memo gave a value already copied (a shared reference or a cycle): frozen() reads it.
  private hits = 0;

  constructor(
    /** Values kept by reference besides the built-in ones (a loaded module's exports). */
    private readonly keep: (value: object) => boolean = () => false,
  ) {}

  /** Forgets what was copied: the next copy shares nothing with the earlier ones (one copier serves many states). */
  reset(): void {
    this.memo.reset();
  }

  /** The copy of `value`, refusals naming the path from `root` (e.g. `state`). */
  copy<T>(value: T, root: string): T {
    this.depth = 0;
    return this.enter(value, root, 'label') as T;
  }

  // The copy of `x`, reached from the current path by one step (`key`, read as `how`).
  private enter(x: unknown, key: unknown, how: How): unknown {
    if (x === null || typeof x !== 'object') return x;
    const d = this.depth;
    this.pathKeys[d] = key;
    this.pathHows[d] = how;
    this.depth = d + 1;
    const out = this.value(x);
    this.depth = d;
    return out;
  }

  // Where the value being copied sits, e.g. `state.items.get("a")[2]`.
  private here(): string {
    return render(this.pathKeys, this.pathHows, this.depth);
  }

  private value(x: object): unknown {
    const seen = this.memo.get(x);
    if (seen !== NOT_SEEN) {
      if (seen === IN_HOOK) throw new Unprotectable(this.here(), `an instance of ${className(x)} reached again through a cycle while its copyState method copies it`, 'in copyState, call its second argument with the copy before copying what leads back (const out = made(new Node()); out.next = copy(this.next); return out)');
      this.hits++;
      return seen;
    }
    if (types.isProxy(x)) throw new Unprotectable(this.here(), 'a Proxy, which cannot be copied', 'store the object behind it, or keep the proxy outside the state');
    if (this.keep(x)) return this.memo.set(x, x);
    const hook = (x as { [copyState]?: unknown })[copyState];
    if (typeof hook === 'function') return this.hooked(x, hook as CopyHook);
    // Most of a state is plain objects and arrays: they skip the checks for built-ins and resources.
    const proto = Object.getPrototypeOf(x) as object | null;
    const array = Array.isArray(x);
    if (proto === Object.prototype || (array && proto === Array.prototype)) {
      // Extensible, so neither frozen nor sealed: the copy needs no prototype or extensibility set afterwards.
      if (Object.isExtensible(x)) {
        if (array) {
          const out = this.memo.set(x, new Array<unknown>((x as unknown[]).length));
          this.elements(x as unknown[], out);
          return out;
        }
        const out = this.memo.set(x, {});
        this.properties(x, out);
        return out;
      }
      if (Object.isFrozen(x)) return this.frozen(x);
      return this.finish(x, this.memo.set(x, array ? new Array<unknown>((x as unknown[]).length) : {}), proto);
    }
    const refused = refusal(x);
    if (refused !== undefined) throw new Unprotectable(this.here(), refused[0], refused[1]);
    if (isKeptByReference(x)) return this.memo.set(x, x);
    return this.structured(x);
  }

  // The copy a class's copyState method makes. Its own method, as are the Map's and the Set's below: a function
  // holding a closure over `this` allocates a context each call, which value() and structured() then would.
  // Until the hook calls `made`, a cycle back to `x` is refused: running the hook again would give the cycle another copy.
  private hooked(x: object, hook: CopyHook): unknown {
    this.memo.set(x, IN_HOOK);
    let early: unknown = NOT_SEEN;
    const copy: unknown = hook.call(
      x,
      <V>(v: V): V => {
        // A hook may catch a refusal and go on: the path is put back as it was.
        const depth = this.depth;
        try {
          return this.enter(v, ' (copyState)', 'label') as V;
        } finally {
          this.depth = depth;
        }
      },
      <T>(out: T): T => {
        early = out;
        return this.memo.set(x, out);
      },
    );
    if (early !== NOT_SEEN && copy !== early) throw new Unprotectable(this.here(), `an instance of ${className(x)} whose copyState method returned another object than the one it gave made()`, 'return the object passed to made()');
    return this.memo.set(x, copy);
  }

  private mapCopy(x: Map<unknown, unknown>, proto: object | null): unknown {
    const out = this.memo.set(x, new Map());
    // forEach rather than for…of: no [key, value] pair and no iterator result an entry, whatever tier the code runs in.
    x.forEach((v, k) => out.set(this.enter(k, ' (a key)', 'label'), this.enter(v, k, 'get')));
    return this.finish(x, out, proto);
  }

  private setCopy(x: Set<unknown>, proto: object | null): unknown {
    const out = this.memo.set(x, new Set());
    x.forEach((v) => out.add(this.enter(v, ' (a member)', 'label')));
    return this.finish(x, out, proto);
  }

  // Built-ins with internal slots first, then arrays, then plain objects and class instances.
  private structured(x: object): unknown {
    const proto = Object.getPrototypeOf(x) as object | null;
    if (types.isMap(x)) return this.mapCopy(x as Map<unknown, unknown>, proto);
    if (types.isSet(x)) return this.setCopy(x as Set<unknown>, proto);
    if (types.isDate(x)) return this.finish(x, this.memo.set(x, new Date((x as Date).getTime())), proto);
    if (types.isRegExp(x)) {
      const re = x as RegExp;
      const out = this.memo.set(x, new RegExp(re.source, re.flags));
      return this.finish(x, out, proto);
    }
    if (types.isArrayBuffer(x)) return this.finish(x, this.memo.set(x, (x as ArrayBuffer).slice(0)), proto);
    if (types.isDataView(x)) {
      const v = x as DataView;
      const buffer = this.enter(v.buffer, '.buffer', 'label') as ArrayBuffer;
      return this.finish(x, this.memo.set(x, new DataView(buffer, v.byteOffset, v.byteLength)), proto);
    }
    if (types.isTypedArray(x)) {
      const v = x as Uint8Array;
      // A view of shared memory is shared on purpose: kept, like the SharedArrayBuffer itself.
      if (types.isSharedArrayBuffer(v.buffer)) return this.memo.set(x, x);
      const Typed = TYPED[(v as { [Symbol.toStringTag]: string })[Symbol.toStringTag]]!;
      // A view of part of a buffer (a Buffer from Node's pool) copies its own bytes, unless the state's copy already holds the buffer.
      if (v.byteLength !== v.buffer.byteLength && this.memo.get(v.buffer) === NOT_SEEN) {
        const bytes = (v.buffer as ArrayBuffer).slice(v.byteOffset, v.byteOffset + v.byteLength);
        return this.finish(x, this.memo.set(x, new Typed(bytes, 0, v.length)), proto);
      }
      const buffer = this.enter(v.buffer, '.buffer', 'label') as ArrayBuffer;
      return this.finish(x, this.memo.set(x, new Typed(buffer, v.byteOffset, v.length)), proto);
    }
    if (types.isNativeError(x)) return this.finish(x, this.memo.set(x, new Error()), proto, true);
    if (types.isBoxedPrimitive(x)) return this.finish(x, this.memo.set(x, Object((x as { valueOf(): unknown }).valueOf()) as object), proto);
    if (Array.isArray(x)) {
      if (Object.isFrozen(x)) return this.frozen(x);
      return this.finish(x, this.memo.set(x, new Array<unknown>(x.length)), proto);
    }
    if (proto !== null && proto !== Object.prototype) {
      if (isOpaqueBuiltin(proto)) return this.memo.set(x, x);
      const holder = classWithPrivateFields(proto);
      if (holder !== null) throw new Unprotectable(this.here(), `an instance of ${holder}, whose #private fields cannot be copied`, `use TypeScript's private modifier instead, or give the class a [copyState] method (import { copyState } from '@otp-ts/runtime')`);
    }
    if (Object.isFrozen(x)) return this.frozen(x);
    return this.finish(x, this.memo.set(x, Object.create(proto) as object), proto);
  }

  // Copies the own properties of `x` onto `out`, then its prototype and extensibility.
  private finish<T extends object>(x: object, out: T, proto: object | null, replaceOwn = false): T {
    if (replaceOwn) for (const key of Reflect.ownKeys(out)) delete (out as Record<string | symbol, unknown>)[key];
    if (Array.isArray(x)) this.elements(x, out as unknown[]);
    else this.properties(x, out);
    if (Object.getPrototypeOf(out) !== proto) Object.setPrototypeOf(out, proto);
    if (!Object.isExtensible(x)) {
      if (Object.isSealed(x)) Object.seal(out);
      else Object.preventExtensions(out);
    }
    return out;
  }

  // An array's elements, holes kept: one loop, no descriptor per element; then its other own properties, if any.
  private elements(x: unknown[], out: unknown[]): void {
    let present = 0;
    for (let i = 0; i < x.length; i++) {
      if (!(i in x)) continue;
      present++;
      const v = x[i];
      out[i] = v === null || typeof v !== 'object' ? v : this.enter(v, String(i), 'prop');
    }
    this.arrayExtras(x, out, present);
  }

  // An array's own properties besides its elements and length: a RegExp match's index and groups, a subclass's
  // fields, names set on it, symbols. Names list the elements first (one each present), then length and the rest.
  // Listing names costs a string per element (0.4 s for a million), so a plain array is looked at through its
  // enumerable keys only up to LISTED_ARRAY elements (a third of the cost of all its names); past that, and for a
  // non-enumerable name, only a RegExp match's own index and its symbols are looked for.
  private arrayExtras(x: unknown[], out: unknown[], present: number): void {
    if (Object.getPrototypeOf(x) === Array.prototype && Object.getOwnPropertySymbols(x).length === 0 && !Object.hasOwn(x, 'index') && (x.length > LISTED_ARRAY || Object.keys(x).length === present)) return;
    const names = Object.getOwnPropertyNames(x);
    for (let i = present; i < names.length; i++) if (names[i] !== 'length') this.property(x, out, names[i]!);
    const symbols = Object.getOwnPropertySymbols(x);
    for (let i = 0; i < symbols.length; i++) this.property(x, out, symbols[i]!);
  }

  // Every own property with its descriptor (getters, read-only and hidden properties stay what they are).
  // The same keys in the same order as Reflect.ownKeys (names, then symbols), which allocates ~400 B a call where
  // these two lists take ~90 (V8 builds a hash set to collect its keys): a first upgrade of 10,000 servers
  // allocates 9.2 MB instead of 14.2 with this and upgrade.ts's indexed loops (bench/code upgrade_10k_alloc). Indexed loops: for…of allocates an iteration result a key until the copier is
  // optimized, as in a node's first upgrade.
  private properties(x: object, out: object): void {
    const names = Object.getOwnPropertyNames(x);
    for (let i = 0; i < names.length; i++) this.property(x, out, names[i]!);
    const symbols = Object.getOwnPropertySymbols(x);
    for (let i = 0; i < symbols.length; i++) this.property(x, out, symbols[i]!);
  }

  private property(x: object, out: object, key: string | symbol): void {
    const d = Object.getOwnPropertyDescriptor(x, key)!;
    if (!('value' in d)) {
      Object.defineProperty(out, key, d);
      return;
    }
    const v: unknown = d.value;
    const value = v === null || typeof v !== 'object' ? v : this.enter(v, key, 'prop');
    if (d.writable && d.enumerable && d.configurable && key !== '__proto__') (out as Record<string | symbol, unknown>)[key] = value;
    else Object.defineProperty(out, key, { ...d, value });
  }

  // A frozen object is kept as it is unless something inside it had to be copied; then a frozen copy. The memo gives
  // the copy while the contents are copied, so a cycle back through the frozen object reaches the copy: were it the
  // original, codeChange could change the original state through it (copy.frozen.child.parent.child.n = 99).
  private frozen(x: object): unknown {
    const array = Array.isArray(x);
    const out: object = array ? new Array<unknown>(x.length) : Object.create(Object.getPrototypeOf(x) as object | null);
    this.memo.set(x, out);
    const hits = this.hits;
    const keys = Reflect.ownKeys(x);
    const values = keys.map((key) => {
      const d = Object.getOwnPropertyDescriptor(x, key)!;
      return 'value' in d ? this.enter(d.value, key, 'prop') : undefined;
    });
    // Nothing inside was copied, and nothing was handed the copy meanwhile (no memo hit): the object itself serves.
    if (this.hits === hits && keys.every((key, i) => values[i] === Object.getOwnPropertyDescriptor(x, key)!.value)) return this.memo.set(x, x);
    keys.forEach((key, i) => {
      if (array && key === 'length') return;
      const d = Object.getOwnPropertyDescriptor(x, key)!;
      Object.defineProperty(out, key, 'value' in d ? { ...d, value: values[i] } : d);
    });
    if (array && Object.getPrototypeOf(out) !== Object.getPrototypeOf(x)) Object.setPrototypeOf(out, Object.getPrototypeOf(x) as object);
    return Object.freeze(out);
  }
}
