import { types } from 'node:util';
import { isKeptByReference } from '../state-copy.js';
import { speakingSys } from '../gen/sys-handler.js';
import type { ProcessImpl } from '../process.js';
import type { ModuleVersion } from './module.js';
import type { PurgeView } from './purge-view.js';

// How many objects of one state the walk looks into at most: a state holding more keeps its data in a table.
const MAX_OBJECTS = 100_000;

/**
 * Internal: the functions (closures, funs) a process's state reaches through plain data — object properties (their
 * values, never a getter run), array elements, Map keys and values, Set members, and the methods and constructor of a
 * class instance's prototype (one no module defined, Object's or Map's, is skipped) — not looking into functions, what
 * an upgrade's copy keeps by reference (pids, processes, resources) or what `skip` names (module
 * export tables). A purge asks, as OTP's check_process_code looks for funs of the old code in a process's heap.
 */
export function functionsInState(state: unknown, skip: (value: object) => boolean): Set<object> {
  const found = new Set<object>();
  const seen = new Set<object>();
  const pending: unknown[] = [state];
  while (pending.length > 0 && seen.size < MAX_OBJECTS) {
    const x = pending.pop();
    if (typeof x === 'function') {
      found.add(x);
      continue;
    }
    if (x === null || typeof x !== 'object' || seen.has(x)) continue;
    seen.add(x);
    if (types.isProxy(x) || skip(x) || isKeptByReference(x) || ArrayBuffer.isView(x) || types.isAnyArrayBuffer(x)) continue;
    // An instance of a class a module defined calls that module's methods: its prototype (its methods and constructor) counts.
    const proto = Object.getPrototypeOf(x) as object | null;
    if (proto !== null && !seen.has(proto) && !intrinsic(proto)) pending.push(proto);
    if (x instanceof Map) for (const [k, v] of x) pending.push(k, v);
    else if (x instanceof Set) for (const v of x) pending.push(v);
    // An array's elements read in place (its keys listed would cost a string each), then its other own properties.
    const array = Array.isArray(x);
    if (array) for (let i = 0; i < x.length; i++) pending.push(x[i]);
    for (const key of Reflect.ownKeys(x)) {
      if (array && typeof key === 'string' && isIndex(key)) continue;
      const d = Object.getOwnPropertyDescriptor(x, key);
      if (d !== undefined && 'value' in d) pending.push(d.value);
    }
  }
  return found;
}

// Prototypes no module's code defined (Object.prototype, Map.prototype, a native class's), known once each.
const intrinsics = new WeakMap<object, boolean>();
function intrinsic(proto: object): boolean {
  let known = intrinsics.get(proto);
  if (known === undefined) {
    const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
    known = typeof ctor === 'function' && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(ctor));
    intrinsics.set(proto, known);
  }
  return known;
}

const isIndex = (key: string): boolean => key.length > 0 && key.length < 11 && /^(0|[1-9]\d*)$/.test(key);

/** A process whose state reaches a version's functions: `handlers` for a gen_event manager (those whose states do), else null. */
export interface StateUser {
  proc: ProcessImpl;
  handlers: object[] | null;
}

// The handler object of a gen_event handler id (the handler itself, or { handler, id }).
function handlerOfId(id: unknown): object {
  return (id !== null && typeof id === 'object' && 'handler' in id && !('handleEvent' in id) ? id.handler : id) as object;
}

/**
 * Internal: for each of `versions`, the processes speaking sys (behaviours, special processes) whose state reaches a function of that version's code (an
 * export of it, or a closure its code made): calling it runs that code, so they use it as an OTP process holding funs
 * of old code does (check_process_code). Read at purge time only, never by an upgrade. A gen_event manager counts
 * through each handler's state; a supervisor is left out (its child specs' start functions are the code that made
 * them, and a purge killing it would take its tree down).
 */
export function stateUsers(code: PurgeView, versions: readonly ModuleVersion[]): Map<ModuleVersion, StateUser[]> {
  const out = new Map<ModuleVersion, StateUser[]>(versions.map((v) => [v, []]));
  if (versions.length === 0) return out;
  const held: Array<{ proc: ProcessImpl; handler: object | null; fns: Set<object> }> = [];
  const skip = (o: object): boolean => code.isExportTable(o);
  code.node.eachProcess((p) => {
    const target = p.dead || p.label?.behaviour === 'supervisor' ? undefined : speakingSys(p);
    if (target === undefined) return;
    let state: unknown;
    try {
      state = target.getState();
    } catch {
      return;
    }
    if (target.behaviour === 'gen_event' && Array.isArray(state)) {
      for (const h of state as Array<{ id: unknown; state: unknown }>) held.push({ proc: p, handler: handlerOfId(h.id), fns: functionsInState(h.state, skip) });
    } else held.push({ proc: p, handler: null, fns: functionsInState(state, skip) });
  });
  const all = new Set<object>();
  for (const h of held) for (const f of h.fns) all.add(f);
  const versionOf = code.versionsOfFunctions([...all], versions);
  for (const v of versions) {
    const users = new Map<ProcessImpl, StateUser>();
    for (const h of held) {
      if (![...h.fns].some((f) => versionOf.get(f)?.includes(v))) continue;
      let user = users.get(h.proc);
      if (user === undefined) users.set(h.proc, (user = { proc: h.proc, handlers: h.handler === null ? null : [] }));
      if (h.handler !== null) user.handlers?.push(h.handler);
    }
    out.set(v, [...users.values()]);
  }
  return out;
}
