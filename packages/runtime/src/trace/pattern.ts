import { MAX_PATTERN_CHARS } from './limits.js';

/** One argument pattern: `_`, a literal, a variable, an object shape or an array. */
export type ArgPattern =
  | { t: 'any' }
  | { t: 'lit'; v: unknown }
  | { t: 'var'; name: string }
  | { t: 'obj'; fields: Array<[string, ArgPattern]> }
  | { t: 'arr'; items: ArgPattern[]; rest: boolean };

/** A value a guard compares: a literal, or a bound variable with an optional property path (`x.qty`). */
export type Operand = { t: 'lit'; v: unknown } | { t: 'ref'; name: string; path: string[] };

/** A guard after `when`: comparisons joined with and/or/not. */
export type Guard =
  | { t: 'and' | 'or'; a: Guard; b: Guard }
  | { t: 'not'; a: Guard }
  | { t: 'cmp'; op: string; a: Operand; b: Operand }
  | { t: 'truthy'; a: Operand };

/** A parsed call pattern: `module.fn`, `module.obj.fn/2`, `module.fn(_, {qty: q}) when q > 5`. */
export interface CallPattern {
  source: string;
  /** The module name, `*` and `?` as wildcards. */
  module: string;
  /** Exported objects leading to the function (`server` in `shop/server.server.handleCall`). */
  path: string[];
  /** The function name, `*` and `?` as wildcards. */
  fn: string;
  /** Calls with exactly this many arguments, when given (`/2`, or the count of argument patterns). */
  arity: number | undefined;
  args: ArgPattern[] | undefined;
  guard: Guard | undefined;
}

/** The outcome of parsing: a pattern, or an error sentence saying where and what. */
export type ParseResult = { ok: true; pattern: CallPattern } | { ok: false; error: string };

class PatternError extends Error {}

/** How deeply a pattern may nest brackets, braces, parentheses and `!`: a deeper one is refused, never read to the end of the stack. */
export const MAX_PATTERN_NESTING = 32;

// A pattern as an error names it: its first 200 characters.
const shown = (source: string): string => (source.length > 200 ? `${source.slice(0, 200)}…` : source);

const TOKEN = /\s*(?:(\.\.\.)|(-?\d+(?:\.\d+)?)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(===|!==|==|!=|<=|>=|&&|\|\||[<>!(){}[\]:,.])|([A-Za-z_$][\w$]*))/y;
const KEYWORDS: Record<string, unknown> = { true: true, false: false, null: null, undefined };

interface Tok {
  k: 'num' | 'str' | 'op' | 'id' | 'rest';
  v: string;
  at: number;
}

function tokenize(text: string, offset: number): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let i = 0;
  while (i < text.length) {
    if (/^\s*$/.test(text.slice(i))) break;
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(text);
    if (!m) throw new PatternError(`unexpected '${text.slice(i).trim()[0]}' at column ${offset + i + 1}`);
    const at = offset + m.index + m[0].length - m[0].trimStart().length;
    if (m[1]) out.push({ k: 'rest', v: m[1], at });
    else if (m[2]) out.push({ k: 'num', v: m[2], at });
    else if (m[3]) out.push({ k: 'str', v: m[3], at });
    else if (m[4]) out.push({ k: 'op', v: m[4], at });
    else out.push({ k: 'id', v: m[5]!, at });
    i = TOKEN.lastIndex;
  }
  return out;
}

class Parser {
  i = 0;
  private depth = 0;
  constructor(private readonly toks: Tok[]) {}

  peek(v?: string): Tok | undefined {
    const t = this.toks[this.i];
    return v === undefined || t?.v === v ? t : undefined;
  }
  next(): Tok {
    const t = this.toks[this.i++];
    if (!t) throw new PatternError('the pattern ends too early');
    return t;
  }
  expect(v: string): void {
    const t = this.next();
    if (t.v !== v) throw new PatternError(`expected '${v}' at column ${t.at + 1}, found '${t.v}'`);
  }
  done(): boolean {
    return this.i >= this.toks.length;
  }

  /** `(p, p, ...)`: the argument list after the opening parenthesis; `...` last allows more arguments. */
  argList(close: string): { items: ArgPattern[]; rest: boolean } {
    const items: ArgPattern[] = [];
    let rest = false;
    while (!this.peek(close)) {
      if (this.peek('...')) {
        this.next();
        rest = true;
        break;
      }
      items.push(this.arg());
      if (!this.peek(close)) this.expect(',');
    }
    this.expect(close);
    return { items, rest };
  }

  // One level deeper for the duration of `read`: past MAX_PATTERN_NESTING, the pattern is refused at the token's column.
  nested<T>(t: Tok, read: () => T): T {
    if (++this.depth > MAX_PATTERN_NESTING) throw new PatternError(`nested more than ${MAX_PATTERN_NESTING} deep at column ${t.at + 1}`);
    try {
      return read();
    } finally {
      this.depth--;
    }
  }

  arg(): ArgPattern {
    const t = this.next();
    if (t.v === '{') return this.nested(t, () => this.object());
    if (t.v === '[') {
      const { items, rest } = this.nested(t, () => this.argList(']'));
      return { t: 'arr', items, rest };
    }
    if (t.k === 'id' && t.v === '_') return { t: 'any' };
    if (t.k === 'id' && !Object.hasOwn(KEYWORDS, t.v)) return { t: 'var', name: t.v };
    return { t: 'lit', v: literal(t) };
  }

  object(): ArgPattern {
    const fields: Array<[string, ArgPattern]> = [];
    while (!this.peek('}')) {
      if (this.peek('...')) {
        this.next();
        break;
      }
      const key = this.next();
      if (key.k !== 'id' && key.k !== 'str' && key.k !== 'num') throw new PatternError(`expected a key at column ${key.at + 1}, found '${key.v}'`);
      const name = key.k === 'str' ? (literal(key) as string) : key.v;
      if (this.peek(':')) {
        this.next();
        fields.push([name, this.arg()]);
      } else fields.push([name, { t: 'var', name }]);
      if (!this.peek('}')) this.expect(',');
    }
    this.expect('}');
    return { t: 'obj', fields };
  }

  guard(): Guard {
    let g = this.conj();
    while (this.peek('||') || this.peek('or')) {
      this.next();
      g = { t: 'or', a: g, b: this.conj() };
    }
    return g;
  }
  conj(): Guard {
    let g = this.unary();
    while (this.peek('&&') || this.peek('and')) {
      this.next();
      g = { t: 'and', a: g, b: this.unary() };
    }
    return g;
  }
  unary(): Guard {
    if (this.peek('!') || this.peek('not')) {
      const t = this.next();
      return this.nested(t, () => ({ t: 'not', a: this.unary() }));
    }
    if (this.peek('(')) {
      const t = this.next();
      const g = this.nested(t, () => this.guard());
      this.expect(')');
      return g;
    }
    const a = this.operand();
    const op = this.peek();
    if (op && ['==', '!=', '===', '!==', '<', '<=', '>', '>='].includes(op.v)) {
      this.next();
      return { t: 'cmp', op: op.v.slice(0, 2), a, b: this.operand() };
    }
    return { t: 'truthy', a };
  }
  operand(): Operand {
    const t = this.next();
    if (t.k === 'id' && !Object.hasOwn(KEYWORDS, t.v)) {
      const path: string[] = [];
      while (this.peek('.')) {
        this.next();
        const p = this.next();
        if (p.k !== 'id') throw new PatternError(`expected a property name at column ${p.at + 1}`);
        path.push(p.v);
      }
      return { t: 'ref', name: t.v, path };
    }
    return { t: 'lit', v: literal(t) };
  }
}

function literal(t: Tok): unknown {
  if (t.k === 'num') return Number(t.v);
  if (t.k === 'str') return t.v.startsWith('"') ? JSON.parse(t.v) : JSON.parse(`"${t.v.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`);
  if (t.k === 'id' && Object.hasOwn(KEYWORDS, t.v)) return KEYWORDS[t.v];
  throw new PatternError(`expected a value at column ${t.at + 1}, found '${t.v}'`);
}

const HEAD = /^([^()\s]+?)(?:\/(\d+))?$/;

function parseHead(head: string): Pick<CallPattern, 'module' | 'path' | 'fn' | 'arity'> {
  const m = HEAD.exec(head);
  if (!m) throw new PatternError(`'${head}' is not module.fn`);
  const name = m[1]!;
  const dot = name.indexOf('.', name.lastIndexOf('/') + 1);
  if (dot <= 0 || dot === name.length - 1) throw new PatternError(`'${head}' names no function: write module.fn, e.g. shop/cart.add or shop/cart.*`);
  const parts = name.slice(dot + 1).split('.');
  if (parts.some((p) => p === '')) throw new PatternError(`'${head}' has an empty name between dots`);
  return { module: name.slice(0, dot), path: parts.slice(0, -1), fn: parts[parts.length - 1]!, arity: m[2] === undefined ? undefined : Number(m[2]) };
}

/** Parses `module.fn[/arity][(args)] [when guard]` (see docs/tracing.md); errors are data, never thrown. */
export function parseCallPattern(source: string): ParseResult {
  if (source.length > MAX_PATTERN_CHARS) return { ok: false, error: `bad pattern '${shown(source)}': it has ${source.length} characters, more than the ${MAX_PATTERN_CHARS} a call pattern may have: shorten it` };
  try {
    const text = source.trim();
    // One whitespace character each side (\s+ would retry every run of blanks from each of its characters).
    const whenAt = text.search(/\swhen\s/);
    const main = whenAt < 0 ? text : text.slice(0, whenAt);
    const open = main.indexOf('(');
    const head = parseHead((open < 0 ? main : main.slice(0, open)).trim());
    let args: ArgPattern[] | undefined;
    let arity = head.arity;
    if (open >= 0) {
      const p = new Parser(tokenize(main.slice(open + 1), open + 1));
      const list = p.argList(')');
      if (!p.done()) throw new PatternError(`unexpected '${p.next().v}' after the argument list`);
      args = list.items;
      if (!list.rest) {
        if (arity !== undefined && arity !== args.length) throw new PatternError(`arity /${arity} disagrees with the ${args.length} argument patterns`);
        arity = args.length;
      }
    }
    let guard: Guard | undefined;
    if (whenAt >= 0) {
      const start = text.indexOf('when', whenAt) + 4;
      const p = new Parser(tokenize(text.slice(start), start));
      guard = p.guard();
      if (!p.done()) throw new PatternError(`unexpected '${p.next().v}' in the guard`);
      if (args === undefined) throw new PatternError('a guard needs argument patterns to name its variables, e.g. mod.fn(n) when n > 5');
    }
    return { ok: true, pattern: { source: text, ...head, arity, args, guard } };
  } catch (error) {
    if (error instanceof PatternError) return { ok: false, error: `bad pattern '${shown(source)}': ${error.message}` };
    throw error;
  }
}

/**
 * A `*`/`?` glob as a test of whole names, in time proportional to the name's length times the glob's at worst: a
 * glob such as `a*a*a*a*b` (a regular expression's `.*` would backtrack through every split of a long name) costs no more.
 */
export function globMatcher(given: string): { test(name: string): boolean } {
  // A run of `*` means what one does: collapsed once here, a pattern of thousands of them costs no step each per name tested.
  const glob = given.replace(/\*{2,}/g, '*');
  return {
    test(name: string): boolean {
      let g = 0;
      let n = 0;
      // The last `*` seen and the name position it was tried at: on a mismatch it takes one more character.
      let star = -1;
      let from = 0;
      while (n < name.length) {
        if (g < glob.length && (glob[g] === '?' || (glob[g] !== '*' && glob[g] === name[n]))) {
          g++;
          n++;
        } else if (g < glob.length && glob[g] === '*') {
          star = g++;
          from = n;
        } else if (star >= 0) {
          g = star + 1;
          n = ++from;
        } else return false;
      }
      while (g < glob.length && glob[g] === '*') g++;
      return g === glob.length;
    },
  };
}

/** True when the glob has wildcards. */
export const isGlob = (s: string): boolean => /[*?]/.test(s);

/** Compiles a pattern's arity, argument patterns and guard into one test of a call's arguments. */
export function compileArgsMatcher(p: CallPattern): (args: readonly unknown[]) => boolean {
  const { arity, args, guard } = p;
  if (args === undefined) return arity === undefined ? () => true : (a) => a.length === arity;
  return (a) => {
    if (arity !== undefined ? a.length !== arity : a.length < args.length) return false;
    // An argument that throws when read (a revoked proxy, a getter), or too big, deep or cyclic to compare, is no
    // match: the traced call runs on as untraced.
    try {
      const env = new Map<string, unknown>();
      for (let i = 0; i < args.length; i++) if (!matchArg(args[i]!, a[i], env)) return false;
      return guard === undefined || evalGuard(guard, env);
    } catch {
      return false;
    }
  };
}

function matchArg(p: ArgPattern, v: unknown, env: Map<string, unknown>): boolean {
  switch (p.t) {
    case 'any':
      return true;
    case 'lit':
      return Object.is(p.v, v) || p.v === v;
    case 'var':
      if (env.has(p.name)) return equal(env.get(p.name), v);
      env.set(p.name, v);
      return true;
    case 'arr':
      if (!Array.isArray(v) || (p.rest ? v.length < p.items.length : v.length !== p.items.length)) return false;
      return p.items.every((item, i) => matchArg(item, v[i], env));
    case 'obj':
      if (v === null || typeof v !== 'object') return false;
      return p.fields.every(([k, fp]) => k in v && matchArg(fp, (v as Record<string, unknown>)[k], env));
  }
}

/** How deeply a guard's `==` (and a variable bound twice) compares two values: deeper is no match, never the stack's end. */
export const MAX_EQUAL_DEPTH = 32;
/** How many keys, items and entries one comparison reads at most: a bigger value is no match, never a long stall inside the traced call. */
export const MAX_EQUAL_ITEMS = 10_000;

// Undecided: the values nest too deeply, hold a cycle, or are too big to compare within the bounds.
const UNDECIDED = Symbol('undecided');
type Verdict = boolean | typeof UNDECIDED;

// Thrown by a comparison the bounds cut short; the matcher catches it: the whole pattern is no match (`==`, `!=`, `!`).
class Undecided extends Error {}

// Structural equality within the bounds (MAX_EQUAL_DEPTH, MAX_EQUAL_ITEMS, no cycle).
function equal(a: unknown, b: unknown): boolean {
  const v = equalIn(a, b, 0, { left: MAX_EQUAL_ITEMS }, []);
  if (v === UNDECIDED) throw new Undecided();
  return v;
}

function equalIn(a: unknown, b: unknown, depth: number, budget: { left: number }, path: object[]): Verdict {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (depth >= MAX_EQUAL_DEPTH || path.includes(a) || path.includes(b)) return UNDECIDED;
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  path.push(a, b);
  try {
    const each = (n: number, at: (i: number) => Verdict): Verdict => {
      if (n > budget.left) return UNDECIDED;
      budget.left -= n;
      for (let i = 0; i < n; i++) {
        const v = at(i);
        if (v !== true) return v;
      }
      return true;
    };
    const sub = (x: unknown, y: unknown) => equalIn(x, y, depth + 1, budget, path);
    if (Array.isArray(a)) {
      const y = b as unknown[];
      return a.length !== y.length ? false : each(a.length, (i) => sub(a[i], y[i]));
    }
    if (ArrayBuffer.isView(a)) {
      const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const y = new Uint8Array((b as ArrayBufferView).buffer, (b as ArrayBufferView).byteOffset, (b as ArrayBufferView).byteLength);
      return x.length !== y.length ? false : each(x.length, (i) => x[i] === y[i]);
    }
    if (a instanceof Map) {
      const y = b as Map<unknown, unknown>;
      if (a.size !== y.size) return false;
      const xs = [...a];
      return each(xs.length, (i) => (y.has(xs[i]![0]) ? sub(xs[i]![1], y.get(xs[i]![0])) : false));
    }
    if (a instanceof Set) {
      const y = b as Set<unknown>;
      if (a.size !== y.size) return false;
      const xs = [...a];
      return each(xs.length, (i) => y.has(xs[i]));
    }
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return each(ka.length, (i) => (Object.hasOwn(b, ka[i]!) ? sub((a as Record<string, unknown>)[ka[i]!], (b as Record<string, unknown>)[ka[i]!]) : false));
  } finally {
    path.length -= 2;
  }
}

function value(o: Operand, env: Map<string, unknown>): unknown {
  if (o.t === 'lit') return o.v;
  let v = env.get(o.name);
  for (const k of o.path) v = v === null || v === undefined ? undefined : (v as Record<string, unknown>)[k];
  return v;
}

function evalGuard(g: Guard, env: Map<string, unknown>): boolean {
  switch (g.t) {
    case 'and':
      return evalGuard(g.a, env) && evalGuard(g.b, env);
    case 'or':
      return evalGuard(g.a, env) || evalGuard(g.b, env);
    case 'not':
      return !evalGuard(g.a, env);
    case 'truthy':
      return Boolean(value(g.a, env));
    case 'cmp': {
      const a = value(g.a, env) as number;
      const b = value(g.b, env) as number;
      switch (g.op) {
        case '==':
          return equal(a, b);
        case '!=':
          return !equal(a, b);
        case '<':
          return a < b;
        case '<=':
          return a <= b;
        case '>':
          return a > b;
        default:
          return a >= b;
      }
    }
  }
}
