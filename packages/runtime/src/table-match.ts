import { _, compareTerms, isGround, matchPattern, termEquals } from './terms.js';
import { RuntimeError, describeBrief } from './errors.js';

const NODE: unique symbol = Symbol('matchSpecNode');

type Node =
  | { readonly k: 'field'; readonly path: readonly string[] }
  | { readonly k: 'const'; readonly v: unknown }
  | { readonly k: 'op'; readonly op: Op; readonly args: readonly Node[] };
type Op = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne' | 'and' | 'or' | 'not' | 'number' | 'string' | 'boolean' | 'tuple' | 'object' | '[]' | `{${string}`;

/** A value inside a match spec: a field of the row, or a guard built from fields and constants. */
export interface Expr<T> {
  readonly [NODE]: Node;
  /** Phantom: the type of the value the expression stands for. */
  readonly __type?: T;
}

/** A field of the row (or of a nested tuple or object), usable in guards and results. */
export type Field<T> = Expr<T> &
  (T extends readonly unknown[] ? { readonly [K in keyof T & `${number}`]: Field<T[K]> } : T extends object ? { readonly [K in keyof T & string]-?: Field<T[K]> } : unknown);

/** An operand of a guard: an expression or a plain constant. */
export type SpecOperand<T> = Expr<T> | T;

/** A pattern over a value: literals must be equal, `_` (or a missing property) matches anything, tuples and objects nest. */
export type RowPattern<R> = typeof _ | (R extends readonly unknown[] ? { [K in keyof R]: RowPattern<R[K]> } : R extends object ? { [K in keyof R]?: RowPattern<R[K]> } : R);

/** The value a result shape produces: expressions become their values, tuples and objects are built. */
export type Out<S> = S extends Expr<infer T> ? T : S extends readonly unknown[] ? { -readonly [K in keyof S]: Out<S[K]> } : S extends object ? { -readonly [K in keyof S]: Out<S[K]> } : S;

/** A spec compiled into plain JS functions, once per spec. */
export interface CompiledSpec<T> {
  /** True when the row matches the pattern and the guard. */
  readonly test: (row: unknown) => boolean;
  /** The result for a row, or `NO_MATCH`. */
  readonly run: (row: unknown) => T | typeof NO_MATCH;
  /** The key every matching row has, when the pattern or guard binds it; `undefined` otherwise. */
  readonly boundKey: { readonly key: unknown } | undefined;
}

/** Returned by a compiled spec's `run` for a row that does not match. */
export const NO_MATCH: unique symbol = Symbol('noMatch');

const isExpr = (v: unknown): v is Expr<unknown> => (typeof v === 'object' || typeof v === 'function') && v !== null && NODE in v;
const nodeOf = (v: unknown): Node => (isExpr(v) ? v[NODE] : { k: 'const', v });
const op = <T>(o: Op, ...args: unknown[]): Expr<T> => ({ [NODE]: { k: 'op', op: o, args: args.map(nodeOf) } });

function fieldProxy(path: readonly string[]): unknown {
  const node: Node = { k: 'field', path };
  return new Proxy(Object.create(null) as object, {
    get: (_t, key) => (key === NODE ? node : typeof key === 'string' ? fieldProxy([...path, key]) : undefined),
    has: (_t, key) => key === NODE,
  });
}

/** Guard: `a > b` in the term order (numbers compare numerically). */
export const gt = <T>(a: SpecOperand<T>, b: SpecOperand<T>): Expr<boolean> => op('gt', a, b);
/** Guard: `a >= b` in the term order. */
export const ge = <T>(a: SpecOperand<T>, b: SpecOperand<T>): Expr<boolean> => op('ge', a, b);
/** Guard: `a < b` in the term order. */
export const lt = <T>(a: SpecOperand<T>, b: SpecOperand<T>): Expr<boolean> => op('lt', a, b);
/** Guard: `a <= b` in the term order. */
export const le = <T>(a: SpecOperand<T>, b: SpecOperand<T>): Expr<boolean> => op('le', a, b);
/** Guard: `a` and `b` are structurally equal. */
export const eq = <T>(a: SpecOperand<T>, b: SpecOperand<T>): Expr<boolean> => op('eq', a, b);
/** Guard: `a` and `b` differ structurally. */
export const ne = <T>(a: SpecOperand<T>, b: SpecOperand<T>): Expr<boolean> => op('ne', a, b);
/** Guard: every operand holds. */
export const and = (...guards: SpecOperand<boolean>[]): Expr<boolean> => op('and', ...guards);
/** Guard: at least one operand holds. */
export const or = (...guards: SpecOperand<boolean>[]): Expr<boolean> => op('or', ...guards);
/** Guard: the operand does not hold. */
export const not = (guard: SpecOperand<boolean>): Expr<boolean> => op('not', guard);
/** Type test: a number (Erlang's `is_number`). */
export const isNumber = (e: Expr<unknown>): Expr<boolean> => op('number', e);
/** Type test: a string (Erlang's `is_binary` for text). */
export const isString = (e: Expr<unknown>): Expr<boolean> => op('string', e);
/** Type test: a boolean. */
export const isBoolean = (e: Expr<unknown>): Expr<boolean> => op('boolean', e);
/** Type test: a tuple (an array). */
export const isTuple = (e: Expr<unknown>): Expr<boolean> => op('tuple', e);
/** Type test: a plain object (Erlang's `is_map`). */
export const isObject = (e: Expr<unknown>): Expr<boolean> => op('object', e);

/**
 * A match spec (ETS's `[{Head, Guards, [Result]}]`) built step by step: `match` a partial pattern,
 * `where` guards over the row's fields, `select` a result shape. Immutable; compiled once on first use.
 */
export class MatchSpec<R, T = R> {
  private compiled: CompiledSpec<T> | undefined;

  private constructor(
    private readonly pattern: unknown,
    private readonly guard: Node | undefined,
    private readonly result: Node | undefined,
  ) {}

  /** A spec that accepts every row of type `R` and returns it whole. */
  static of<R>(): MatchSpec<R, R> {
    return new MatchSpec<R, R>(_, undefined, undefined);
  }

  /** Restricts to rows matching a partial pattern; a bound key makes the select a key lookup. */
  match(pattern: RowPattern<R>): MatchSpec<R, T> {
    return new MatchSpec<R, T>(pattern, this.guard, this.result);
  }

  /** Adds a guard over the row's fields (several `where` calls must all hold). */
  where(guard: (row: Field<R>) => SpecOperand<boolean>): MatchSpec<R, T> {
    const g = nodeOf(guard(fieldProxy([]) as Field<R>));
    return new MatchSpec<R, T>(this.pattern, this.guard === undefined ? g : { k: 'op', op: 'and', args: [this.guard, g] }, this.result);
  }

  /** Sets the result: a field, or a tuple or object built from fields and constants. */
  select<const S>(shape: (row: Field<R>) => S): MatchSpec<R, Out<S>> {
    return new MatchSpec<R, Out<S>>(this.pattern, this.guard, shapeNode(shape(fieldProxy([]) as Field<R>)));
  }

  /** The spec compiled into JS functions (cached); `keyPos` is the table's key position. */
  compile(keyPos: number | string): CompiledSpec<T> {
    if (this.compiled === undefined || this.compiledFor !== keyPos) {
      this.compiled = compileSpec<T>(this.pattern, this.guard, this.result, keyPos);
      this.compiledFor = keyPos;
    }
    return this.compiled;
  }

  private compiledFor: number | string | undefined;

  /** The spec as a tree walk instead of generated code: what compiling saves, for benchmarks. */
  interpret(): CompiledSpec<T> {
    return interpreted<T>(this.pattern, this.guard, this.result, undefined);
  }
}

/** Runs a spec over a list of rows, no table involved (ETS's `match_spec_run`): the results of the rows it accepts, in order. */
export function matchSpecRun<R, T>(rows: Iterable<R>, spec: MatchSpec<R, T>): T[] {
  if (!(spec instanceof MatchSpec)) throw new RuntimeError('badarg', `matchSpecRun takes a match spec made with matchSpec<Row>(), got ${describeBrief(spec)}`);
  // No table, so no key to look up: a position no row has keeps the spec a plain compiled scan.
  const { run } = spec.compile(-1);
  const out: T[] = [];
  for (const r of rows) {
    const v = run(r);
    if (v !== NO_MATCH) out.push(v);
  }
  return out;
}

/** Starts a match spec over rows of type `R` (`matchSpec<User>().where(...).select(...)`). */
export function matchSpec<R>(): MatchSpec<R, R> {
  return MatchSpec.of<R>();
}

// Result shapes: arrays and plain objects are built, expressions evaluated, anything else is a constant.
function shapeNode(shape: unknown): Node {
  if (isExpr(shape)) return shape[NODE];
  if (Array.isArray(shape)) return { k: 'op', op: '[]', args: shape.map(shapeNode) };
  if (shape !== null && typeof shape === 'object' && Object.getPrototypeOf(shape) === Object.prototype) {
    const keys = Object.keys(shape);
    return { k: 'op', op: `{${JSON.stringify(keys)}`, args: keys.map((k) => shapeNode((shape as Record<string, unknown>)[k])) };
  }
  return { k: 'const', v: shape };
}

type Factory = (...args: unknown[]) => [(row: unknown) => boolean, (row: unknown) => unknown];
// Compiled sources by text: a spec rebuilt per call with another key reuses its shape's function.
const factories = new Map<string, Factory>();
const MAX_FACTORIES = 1000;
const isObj = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

// An index is written as a number: V8 reads a tuple's element faster than a property named by a string.
const keySource = (p: string): string => (/^(0|[1-9]\d{0,8})$/.test(p) ? p : JSON.stringify(p));
const cmpSource = (o: string, a: string, b: string): string => `(typeof ${a} === 'number' && typeof ${b} === 'number' ? ${a} ${o} ${b} : cmp(${a}, ${b}) ${o} 0)`;
const isLeaf = (n: Node): boolean => n.k !== 'op';

// Writes a match spec as the source of a JavaScript function over a row `r`. Constants stay out of the
// source text (in `c`), so specs of one shape share one compiled function (see `factories`).
class SpecWriter {
  readonly consts: unknown[] = [];

  lit(v: unknown): string {
    this.consts.push(v);
    return `c[${this.consts.length - 1}]`;
  }

  access(path: readonly string[]): string {
    return path.length === 0 ? 'r' : `r[${keySource(path[0]!)}]${path.slice(1).map((p) => `?.[${keySource(p)}]`).join('')}`;
  }

  // The tests of a pattern: the row's shape, then each field that is not `_`.
  patternConds(pattern: unknown): string[] {
    const conds: string[] = [];
    if (Array.isArray(pattern)) conds.push(`Array.isArray(r) && r.length === ${pattern.length}`);
    if (pattern === _ || pattern === null || typeof pattern !== 'object') return conds;
    for (const [k, p] of Object.entries(pattern as Record<string, unknown>)) {
      if (p === _) continue;
      const at = this.access([k]);
      if (p === null || typeof p !== 'object') conds.push(`${at} === ${this.lit(p)}`);
      else if (isGround(p)) conds.push(`teq(${at}, ${this.lit(p)})`);
      else conds.push(`(${at} !== undefined && mp(${this.lit(p)}, ${at}))`);
    }
    return conds;
  }

  expr(n: Node): string {
    if (n.k === 'field') return this.access(n.path);
    if (n.k === 'const') return this.lit(n.v);
    const a = n.args.map((x) => this.expr(x));
    const o = { gt: '>', ge: '>=', lt: '<', le: '<=' }[n.op as 'gt'];
    if (o !== undefined) return n.args.every(isLeaf) ? cmpSource(o, a[0]!, a[1]!) : `(cmp(${a[0]}, ${a[1]}) ${o} 0)`;
    switch (n.op) {
      case 'eq':
      case 'ne': {
        // Against a primitive constant, structural equality is ===.
        const prim = n.args.some((x) => x.k === 'const' && (x.v === null || (typeof x.v !== 'object' && typeof x.v !== 'function')));
        const test = prim ? `(${a[0]} === ${a[1]})` : `teq(${a[0]}, ${a[1]})`;
        return n.op === 'eq' ? test : `!${test}`;
      }
      case 'and':
        return a.length === 0 ? 'true' : `(${a.map((x) => `${x} === true`).join(' && ')})`;
      case 'or':
        return a.length === 0 ? 'false' : `(${a.map((x) => `${x} === true`).join(' || ')})`;
      case 'not':
        return `(${a[0]} !== true)`;
      case 'number':
      case 'string':
      case 'boolean':
        return `(typeof ${a[0]} === '${n.op}')`;
      case 'tuple':
        return `Array.isArray(${a[0]})`;
      case 'object':
        return `isObj(${a[0]})`;
      default:
        if (n.op === '[]') return `[${a.join(', ')}]`;
        return `({${(JSON.parse(n.op.slice(1)) as string[]).map((k, i) => `${JSON.stringify(k)}: ${a[i]}`).join(', ')}})`;
    }
  }
}

function compileSpec<T>(pattern: unknown, guard: Node | undefined, result: Node | undefined, keyPos: number | string): CompiledSpec<T> {
  const bound = boundKey(pattern, guard, keyPos);
  // A bound key tests a few rows at most: walking the tree costs less than generating code for them.
  if (bound !== undefined) return interpreted<T>(pattern, guard, result, bound);
  const w = new SpecWriter();
  const conds = w.patternConds(pattern);
  // As in ETS, a guard holds only when it is exactly true, and fails when it reads a field the row lacks (ETS's
  // element/3 or map_get/2 past the row raises, which fails the guard), rather than reading it as undefined.
  if (guard !== undefined) {
    for (const path of fieldPaths(guard)) conds.push(`hp(r, ${w.lit(path)})`);
    conds.push(`${w.expr(guard)} === true`);
  }
  const test = conds.length === 0 ? 'true' : conds.join(' && ');
  const value = result === undefined ? 'r' : w.expr(result);
  const source = `return [function test(r) { return ${test}; }, function run(r) { return ${test} ? ${value} : NO; }];`;
  let make = factories.get(source);
  if (make === undefined) {
    if (factories.size >= MAX_FACTORIES) factories.clear();
    // A compiled match specification: built only from the spec's own terms (w.expr quotes every literal).
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    make = new Function('cmp', 'teq', 'mp', 'isObj', 'hp', 'c', 'NO', source) as Factory;
    factories.set(source, make);
  }
  const [testFn, runFn] = make(compareTerms, termEquals, matchPattern, isObj, hasPath, w.consts, NO_MATCH) as [CompiledSpec<T>['test'], CompiledSpec<T>['run']];
  return { test: testFn, run: runFn, boundKey: undefined };
}

// The key every match must have: a ground key in the pattern, or `eq(keyField, constant)` at the guard's top level.
function boundKey(pattern: unknown, guard: Node | undefined, keyPos: number | string): { key: unknown } | undefined {
  if (pattern !== null && typeof pattern === 'object') {
    const p = (pattern as Record<string, unknown>)[keyPos];
    if (p !== undefined && isGround(p)) return { key: p };
  }
  const fromGuard = (n: Node): { key: unknown } | undefined => {
    if (n.k !== 'op') return undefined;
    if (n.op === 'and') {
      for (const a of n.args) {
        const k = fromGuard(a);
        if (k !== undefined) return k;
      }
      return undefined;
    }
    if (n.op !== 'eq') return undefined;
    const [a, b] = n.args;
    const isKey = (x: Node | undefined): boolean => x?.k === 'field' && x.path.length === 1 && x.path[0] === String(keyPos);
    if (isKey(a) && b?.k === 'const') return { key: b.v };
    if (isKey(b) && a?.k === 'const') return { key: a.v };
    return undefined;
  };
  return guard === undefined ? undefined : fromGuard(guard);
}

function interpreted<T>(pattern: unknown, guard: Node | undefined, result: Node | undefined, bound: { key: unknown } | undefined): CompiledSpec<T> {
  const paths = guard === undefined ? [] : fieldPaths(guard);
  const test = (r: unknown): boolean => matchPattern(pattern, r) && (guard === undefined || (paths.every((path) => hasPath(r, path)) && evaluate(guard, r) === true));
  return { test, run: (r) => (test(r) ? (result === undefined ? r : evaluate(result, r)) as T : NO_MATCH), boundKey: bound };
}

// The distinct field paths a guard reads: a row lacking any of them fails the guard (ETS's and/or evaluate every
// operand, so a field read anywhere in the guard is read whatever the others hold).
function fieldPaths(n: Node, out: Map<string, readonly string[]> = new Map()): Array<readonly string[]> {
  if (n.k === 'field') {
    if (n.path.length > 0) out.set(JSON.stringify(n.path), n.path);
  } else if (n.k === 'op') for (const a of n.args) fieldPaths(a, out);
  return [...out.values()];
}

// Whether `v` has each step of `path` as an own property, one inside the other.
function hasPath(v: unknown, path: readonly string[]): boolean {
  for (let i = 0; ; i++) {
    const p = path[i]!;
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, p)) return false;
    // The last step's value is not read: the guard reads it (once) after.
    if (i === path.length - 1) return true;
    v = (v as Record<string, unknown>)[p];
  }
}

// The same semantics as the generated code, one node at a time.
function evaluate(n: Node, r: unknown): unknown {
  if (n.k === 'const') return n.v;
  if (n.k === 'field') {
    let v = r;
    for (const p of n.path) v = v === null || v === undefined ? undefined : (v as Record<string, unknown>)[p];
    return v;
  }
  const at = (i: number): unknown => evaluate(n.args[i]!, r);
  switch (n.op) {
    case 'gt':
      return compareTerms(at(0), at(1)) > 0;
    case 'ge':
      return compareTerms(at(0), at(1)) >= 0;
    case 'lt':
      return compareTerms(at(0), at(1)) < 0;
    case 'le':
      return compareTerms(at(0), at(1)) <= 0;
    case 'eq':
      return termEquals(at(0), at(1));
    case 'ne':
      return !termEquals(at(0), at(1));
    case 'and':
      return n.args.every((a) => evaluate(a, r) === true);
    case 'or':
      return n.args.some((a) => evaluate(a, r) === true);
    case 'not':
      return at(0) !== true;
    case 'number':
    case 'string':
    case 'boolean':
      return typeof at(0) === n.op;
    case 'tuple':
      return Array.isArray(at(0));
    case 'object':
      return isObj(at(0));
    case '[]':
      return n.args.map((a) => evaluate(a, r));
    default: {
      const keys = JSON.parse(n.op.slice(1)) as string[];
      return Object.fromEntries(keys.map((k, i) => [k, at(i)]));
    }
  }
}
