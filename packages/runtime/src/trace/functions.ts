import type { CodeServer } from '../code/server.js';
import type { OtpNode } from '../node.js';
import { globMatcher, isGlob, type CallPattern } from './pattern.js';
import { editDistance } from '../edit-distance.js';

/** One traceable function: where it lives (an export table, or an exported object) and its name there. */
export interface FunctionTarget {
  /** `module.fn` or `module.obj.fn`: how traces name it. */
  id: string;
  module: string;
  path: string[];
  prop: string;
  /** A method the exported object inherits from its class (not an own property): traced through an own wrapper on the object, removed when the trace ends. */
  inherited?: boolean;
}

/** What a pattern resolves to: the functions, or an error with the closest names. */
export type Resolution = { ok: true; targets: FunctionTarget[] } | { ok: false; code: 'nomatch'; error: string; suggestions: string[] };

const isClass = (v: unknown): v is Record<string, unknown> => typeof v === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(v));
const isTraceable = (v: unknown): v is (...args: unknown[]) => unknown => typeof v === 'function' && !isClass(v);
const isContainer = (v: unknown): v is Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v)) || isClass(v);

// A holder's functions, as own properties (a class's static and prototype methods are not enumerable); getters are not called.
function ownFunctions(holder: Record<string, unknown>): Array<[string, (...args: unknown[]) => unknown]> {
  const out: Array<[string, (...args: unknown[]) => unknown]> = [];
  for (const k of Object.getOwnPropertyNames(holder)) {
    const v = k === 'constructor' ? undefined : (Object.getOwnPropertyDescriptor(holder, k)?.value as unknown);
    if (isTraceable(v)) out.push([k, v]);
  }
  return out;
}

// The methods an exported object inherits from its class (`export const server = new Counter()`, the class not
// exported): those of its prototypes up to Object.prototype that no own property or nearer prototype shadows. A plain
// object, a class and a class's prototype (reached through `.prototype`) inherit nothing traceable this way.
function inheritedFunctions(holder: Record<string, unknown>, path: readonly string[]): string[] {
  if (typeof holder !== 'object' || path.length === 0 || path[path.length - 1] === 'prototype') return [];
  const seen = new Set(Object.getOwnPropertyNames(holder));
  const out: string[] = [];
  for (let proto = Object.getPrototypeOf(holder) as object | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const k of Object.getOwnPropertyNames(proto)) {
      if (seen.has(k)) continue;
      seen.add(k);
      if (k !== 'constructor' && isTraceable(Object.getOwnPropertyDescriptor(proto, k)?.value)) out.push(k);
    }
  }
  return out;
}

// Every traceable function of a holder a path leads to: its own, then those it inherits.
function holderTargets(module: string, path: string[], holder: Record<string, unknown>): FunctionTarget[] {
  const out: FunctionTarget[] = ownFunctions(holder).map(([k]) => ({ id: [module, ...path, k].join('.'), module, path, prop: k }));
  for (const k of inheritedFunctions(holder, path)) out.push({ id: [module, ...path, k].join('.'), module, path, prop: k, inherited: true });
  return out;
}

// Whether a holder (or what it inherits short of Object.prototype) has an accessor property of this name, read without running it.
function accessorAt(holder: object | undefined, prop: string): boolean {
  for (let o: object | null = holder ?? null; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    const desc = Object.getOwnPropertyDescriptor(o, prop);
    if (desc) return desc.get !== undefined || desc.set !== undefined;
  }
  return false;
}

/** The object (or class, or a class's prototype) a path leads to from a module's export table. */
export function holderAt(code: CodeServer, module: string, path: readonly string[]): Record<string, unknown> | undefined {
  if (!code.loaded().includes(module)) return undefined;
  let holder: unknown = code.exportsOf(module);
  for (const step of path) holder = isContainer(holder) ? holder[step] : undefined;
  return isContainer(holder) ? holder : undefined;
}

/** Every traceable function of a module: its exported functions, those of its exported objects (one level, the methods they inherit from a class included), and its classes' static and prototype methods. */
export function functionsOf(code: CodeServer, module: string): FunctionTarget[] {
  const table = code.exportsOf(module);
  const out: FunctionTarget[] = [];
  const add = (path: string[], holder: Record<string, unknown>): void => {
    out.push(...holderTargets(module, path, holder));
  };
  for (const [k, v] of Object.entries(table)) {
    if (isTraceable(v)) out.push({ id: `${module}.${k}`, module, path: [], prop: k });
    else if (isContainer(v)) add([k], v);
    if (isClass(v) && isContainer(v.prototype)) add([k, 'prototype'], v.prototype);
  }
  return out;
}

/** The functions a call pattern names on this node; nothing found is an error naming the closest candidates. */
export function resolvePattern(code: CodeServer, p: CallPattern): Resolution {
  const loaded = code.loaded();
  const modRe = globMatcher(p.module);
  const modules = loaded.filter((m) => modRe.test(m));
  if (modules.length === 0) {
    const suggestions = closest(p.module, loaded);
    return { ok: false, code: 'nomatch', error: `no loaded module matches '${p.module}'${hint(suggestions)}`, suggestions };
  }
  const fnRe = globMatcher(p.fn);
  const targets: FunctionTarget[] = [];
  for (const module of modules) {
    const holder = holderAt(code, module, p.path);
    if (!holder) continue;
    for (const t of holderTargets(module, p.path, holder)) if (fnRe.test(t.prop)) targets.push(t);
  }
  if (targets.length > 0) return { ok: true, targets };
  const wanted = [...p.path, p.fn].join('.');
  const accessor = isGlob(p.fn) ? undefined : modules.find((m) => accessorAt(holderAt(code, m, p.path), p.fn));
  if (accessor !== undefined) {
    const id = [accessor, ...p.path, p.fn].join('.');
    return { ok: false, code: 'nomatch', error: `${id} is a getter or setter (an accessor property), not a function: tracing wraps functions and never runs accessors, so trace the functions it calls`, suggestions: [] };
  }
  const names = modules.flatMap((m) => functionsOf(code, m).map((t) => t.id.slice(m.length + 1)));
  const suggestions = isGlob(p.fn) ? names.slice(0, 5) : closest(wanted, names);
  const where = modules.length === 1 ? modules[0] : `${modules.length} modules matching '${p.module}'`;
  return { ok: false, code: 'nomatch', error: `no function '${wanted}' in ${where}${hint(suggestions, modules.length === 1 ? `${modules[0]}.` : '')}`, suggestions };
}

/**
 * Why a target cannot be traced, or undefined when it can: a wrapper stands in a function by assignment, which a
 * frozen object (`Object.freeze`) or a read-only property (a getter, `writable: false`) refuses.
 */
export function unreplaceable(code: CodeServer, target: FunctionTarget): string | undefined {
  const holder = holderAt(code, target.module, target.path);
  const owner = [target.module, ...target.path].join('.');
  // An inherited method is traced by an own wrapper on the object, which a frozen, sealed or non-extensible one refuses.
  if (target.inherited) return holder === undefined || Object.isExtensible(holder) ? undefined : `${target.id} cannot be traced: ${owner} is ${Object.isFrozen(holder) ? 'frozen (Object.freeze)' : 'not extensible (Object.seal or Object.preventExtensions)'}, so no tracing wrapper can stand in for the method it inherits (trace the functions it calls, or drop the freeze)`;
  const desc = holder ? Object.getOwnPropertyDescriptor(holder, target.prop) : undefined;
  if (desc === undefined || ('value' in desc && desc.writable === true)) return undefined;
  const why = holder && Object.isFrozen(holder) ? `${owner} is frozen (Object.freeze)` : `${target.id} is a read-only property`;
  return `${target.id} cannot be traced: ${why}, so no tracing wrapper can stand in for it (trace the functions it calls, or drop the freeze)`;
}

/**
 * How many parameters a function declares, those with defaults included (`Function.length` stops at the first), or
 * undefined when it may read any number: a rest parameter (even inside a destructured one), or `arguments` in its text.
 */
export function declaredArity(fn: unknown): number | undefined {
  if (typeof fn !== 'function') return undefined;
  let text: string;
  try {
    text = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  if (text.includes('[native code]') || /\barguments\b/.test(text)) return undefined;
  const params = parameterList(text);
  return params === undefined || params.some((p) => p.includes('...')) ? undefined : params.length;
}

// A function's parameters as written: the top-level comma-separated parts from its first `(` to the matching `)`;
// one for `x => ...`; undefined when the text is not understood.
function parameterList(text: string): string[] | undefined {
  const open = text.indexOf('(');
  const arrow = text.indexOf('=>');
  if (arrow >= 0 && (open < 0 || arrow < open)) return [text.slice(0, arrow)];
  if (open < 0) return undefined;
  const parts: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'" || ch === '`') {
      for (i++; i < text.length && text[i] !== ch; i++) if (text[i] === '\\') i++;
    } else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch) && --depth === 0) {
      parts.push(text.slice(start, i));
      return parts.filter((p) => p.trim() !== '');
    } else if (ch === ',' && depth === 1) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return undefined;
}

/** The refusal of a pattern whose arity none of its functions can take: each function with the arguments it declares. */
export function arityError(source: string, arity: number, found: ReadonlyArray<{ id: string; arity: number }>): string {
  const shown = found.slice(0, 3).map((f) => `${f.id} takes ${f.arity} argument${f.arity === 1 ? '' : 's'}`);
  const first = found[0]!;
  return `'${source}' never matches: ${shown.join(', ')}${found.length > 3 ? ', …' : ''}, not ${arity} (trace ${first.id}/${first.arity}, or leave the arity out)`;
}

function hint(names: string[], prefix = ''): string {
  return names.length === 0 ? '' : ` (closest: ${names.map((n) => prefix + n).join(', ')})`;
}

/** The names nearest to `word` by edit distance (at most three), best first. */
export function closest(word: string, names: readonly string[]): string[] {
  const plain = word.replace(/[*?]/g, '');
  const most = Math.max(2, Math.floor(plain.length / 2));
  return names
    // A name whose length alone puts it too far (a name holding the word gains 2) costs no edit distance.
    .filter((n) => n.length - plain.length <= most + 2 && plain.length - n.length <= most)
    .map((n) => ({ n, d: editDistance(plain.toLowerCase(), n.toLowerCase()) - (n.toLowerCase().includes(plain.toLowerCase()) && plain !== '' ? 2 : 0) }))
    .filter((x) => x.d <= most)
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, 3)
    .map((x) => x.n);
}

/** How many registered names a name nobody holds is compared with, and the longest name compared (either way). */
export const SUGGEST_FROM_REGISTRY = { names: 5000, chars: 100 } as const;

/**
 * The registered names nearest to `word` (as closest), read from the registry alone and bounded: the first
 * SUGGEST_FROM_REGISTRY.names names, and none for a word or name longer than SUGGEST_FROM_REGISTRY.chars. A node of
 * 100 000 processes or names, or a megabyte name typed, answers at once.
 */
export function closestRegistered(node: OtpNode, word: string): string[] {
  const { names: most, chars } = SUGGEST_FROM_REGISTRY;
  if (word.length > chars) return [];
  const names: string[] = [];
  let read = 0;
  for (const name of node.registered()) {
    if (name.length <= chars) names.push(name);
    if (++read >= most) break;
  }
  return closest(word, names);
}
