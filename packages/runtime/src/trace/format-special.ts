import { inspect, types } from 'node:util';

// Node's own reading of a promise, the one way to see its state without awaiting it: depth 0, no custom inspect,
// no getters, strings cut, so a settled value shows as its kind (`[Map]`, `[Object]`) or a short primitive.
const PROMISE_PEEK = { depth: 0, maxArrayLength: 0, maxStringLength: 40, breakLength: Infinity, customInspect: false, getters: false, showProxy: false };

/**
 * A summary of a value whose own properties say nothing of it (they are kept in internal slots): a promise with
 * its state, a generator or built-in iterator by its kind, a function by its kind and name, a boxed primitive or
 * a regular expression by its value. Undefined for any other value. Runs no code of the value's own.
 */
export function summarise(v: object): string | undefined {
  if (typeof v === 'function') return functionText(v as (...args: never[]) => unknown);
  if (types.isPromise(v)) return promiseText(v);
  if (types.isRegExp(v)) return `/${v.source}/${v.flags}`;
  if (types.isBoxedPrimitive(v)) return `[${boxedText(v)}]`;
  if (v instanceof URL) return `URL ${v.href}`;
  const tag = builtinTag(v);
  return tag === undefined ? undefined : `[${tag}]`;
}

/** What a container cut by the depth bound shows: its class and size (`Map(2) {…}`, `Cart {…}`), never `{…}` for all. */
export function cutText(v: object, className: string): string {
  if (Array.isArray(v)) return `[…${v.length}]`;
  if (types.isMap(v) || types.isSet(v)) return `${types.isMap(v) ? 'Map' : 'Set'}(${v.size}) {…}`;
  return className === '' ? '{…}' : `${className} {…}`;
}

function functionText(f: (...args: never[]) => unknown): string {
  const name = typeof f.name === 'string' && f.name !== '' ? f.name : '(anonymous)';
  if (types.isAsyncFunction(f)) return `[${types.isGeneratorFunction(f) ? 'AsyncGeneratorFunction' : 'AsyncFunction'} ${name}]`;
  if (types.isGeneratorFunction(f)) return `[GeneratorFunction ${name}]`;
  // A class's source starts with `class`; only its first characters are compared.
  return /^class[\s{]/.test(Function.prototype.toString.call(f).slice(0, 6)) ? `[class ${name}]` : `[Function ${name}]`;
}

// With async hooks on (AsyncLocalStorage), Node keeps ids and stores on promises under symbol keys, which
// inspect lists after the state: not part of what the promise holds, not shown.
const SYMBOL_KEYS = /, \[Symbol\(.*$/;

function promiseText(p: Promise<unknown>): string {
  const text = inspect(p, PROMISE_PEEK);
  const first = text.slice(text.indexOf('{') + 1).trimStart().split('\n', 1)[0]!;
  const inner = first.replace(/\s*}$/, '').replace(SYMBOL_KEYS, '').trim();
  return `Promise { ${inner.length > 80 ? `${inner.slice(0, 80)}…` : inner} }`;
}

function boxedText(v: object): string {
  if (types.isStringObject(v)) return `String: ${JSON.stringify(String.prototype.valueOf.call(v))}`;
  if (types.isNumberObject(v)) return `Number: ${Number.prototype.valueOf.call(v)}`;
  if (types.isBooleanObject(v)) return `Boolean: ${Boolean.prototype.valueOf.call(v)}`;
  if (types.isBigIntObject(v)) return `BigInt: ${BigInt.prototype.valueOf.call(v)}n`;
  return `Symbol: ${Symbol.prototype.toString.call(Symbol.prototype.valueOf.call(v))}`;
}

// A generator's or a built-in iterator's kind is its prototype chain's Symbol.toStringTag ('Generator',
// 'Map Iterator', …), read as a data property (a class's getter for it is not run). Objects with a class of
// their own are not summarised by tag: their class name says more.
const TAGGED = new Set(['Generator', 'AsyncGenerator', 'Array Iterator', 'Map Iterator', 'Set Iterator', 'String Iterator', 'RegExp String Iterator', 'Iterator Helper', 'Async-from-Sync Iterator']);

function builtinTag(v: object): string | undefined {
  if (types.isGeneratorObject(v)) return tagOf(v) === 'AsyncGenerator' ? 'AsyncGenerator' : 'Generator';
  if (types.isMapIterator(v)) return 'Map Iterator';
  if (types.isSetIterator(v)) return 'Set Iterator';
  const tag = tagOf(v);
  return tag !== undefined && TAGGED.has(tag) ? tag : undefined;
}

function tagOf(v: object): string | undefined {
  for (let o: object | null = v, i = 0; o !== null && i < 8; o = Object.getPrototypeOf(o) as object | null, i++) {
    const d = Object.getOwnPropertyDescriptor(o, Symbol.toStringTag);
    if (d) return typeof d.value === 'string' ? d.value : undefined;
  }
  return undefined;
}
