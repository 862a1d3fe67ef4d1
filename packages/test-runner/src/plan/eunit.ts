import type { FilePlan, PlanCase, PlanGroup, PlanNode } from './types.js';
import type { SetupSet, TestFn, TestSet } from './test-set.js';
import { checkedLimit, failingCase, propertyCase, exportNames } from './common.js';

/** How the plan of a file is computed: defaults and ordering that come from the run, not the file. */
export interface PlanOptions {
  /** Timeout of a test (EUnit) or case (CT timetrap) that sets none. */
  timeoutMs?: number;
  /** The exports in source order (from the bundler); module namespaces otherwise list them alphabetically. */
  exportOrder?: readonly string[];
  /** Seed of CT `shuffle` groups. */
  shuffleSeed?: number;
  /** The run's config, given to `initPerSuite` and checked against `suite().require`. */
  config?: Readonly<Record<string, unknown>>;
  /** node:test files: run the tests marked `only` with all the others (a CI run, where `only` is refused). */
  ignoreOnly?: boolean;
}

/** The default timeout of an EUnit test, as in EUnit. */
export const EUNIT_TIMEOUT_MS = 5000;

interface Scope {
  readonly module: string;
  readonly timeoutMs: number;
  readonly parallel: boolean;
}

/** The plan of an EUnit-style `*.test.ts` file from its exports: `...Test` functions, `...Tests` generators and `prop...` properties. */
export function planEunit(file: string, module: string, exports: Readonly<Record<string, unknown>>, options: PlanOptions = {}): FilePlan {
  const scope: Scope = { module, timeoutMs: options.timeoutMs ?? EUNIT_TIMEOUT_MS, parallel: false };
  const children: PlanNode[] = [];
  for (const name of exportNames(exports, options.exportOrder)) {
    const value = exports[name];
    const id = String(children.length);
    if (name.startsWith('prop')) children.push(propertyCase(id, [module, name], value, scope.timeoutMs * 6));
    else if (typeof value !== 'function') continue;
    else if (name.endsWith('Test')) children.push(testCase(id, [module, name], value as TestFn, scope));
    else if (name.endsWith('Tests')) children.push(generated(id, [module, name], value as () => TestSet, scope));
  }
  const root: PlanGroup = { kind: 'group', id: 'root', name: module, path: [module], parallel: false, stopOnFail: false, timeoutMs: scope.timeoutMs, children };
  return { file, kind: 'eunit', module, root };
}

function testCase(id: string, path: string[], fn: TestFn, scope: Scope): PlanCase {
  return { kind: 'case', id, name: path[path.length - 1]!, path, timeoutMs: scope.timeoutMs, run: (fixture, ctx) => fn(ctx, fixture) };
}

function generated(id: string, path: string[], generator: () => TestSet, scope: Scope): PlanNode {
  let set: TestSet;
  try {
    set = generator();
  } catch (error) {
    return failingCase(id, path, error, `the generator ${path[path.length - 1]} threw`);
  }
  // A hostile value (a throwing getter or proxy, a cycle) fails this generator alone; the file's other tests still run.
  try {
    return fromSet(set, id, path, scope, new Set());
  } catch (error) {
    return failingCase(id, path, error, `the generator ${path[path.length - 1]} returned a bad test set`);
  }
}

/** The most items one array of a test set may hold: a proxy claiming billions would block the worker. */
const MAX_SET_ITEMS = 1_000_000;

// The items of an array test set, read once (a proxy may answer differently each time).
function items(set: readonly unknown[]): unknown[] {
  const length: unknown = set.length;
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > MAX_SET_ITEMS) {
    throw new TypeError(`an array of tests claims a length of ${typeof length === 'number' ? length : typeof length} (at most ${MAX_SET_ITEMS})`);
  }
  return Array.from({ length }, (_, i) => set[i]);
}

function group(id: string, path: string[], scope: Scope, children: PlanNode[], extra: Partial<PlanGroup> = {}): PlanGroup {
  return { kind: 'group', id, name: path[path.length - 1]!, path, parallel: scope.parallel, stopOnFail: false, timeoutMs: scope.timeoutMs, children, ...extra };
}

// `open` holds the sets being walked above this one: a set inside itself is refused, not recursed into forever.
function fromSet(set: TestSet, id: string, path: string[], scope: Scope, open: Set<unknown>): PlanNode {
  if (typeof set === 'function') return testCase(id, path, set, scope);
  if (typeof set !== 'object' || set === null) return failingCase(id, path, new TypeError(`not a test set: ${String(set)}`), 'bad test set');
  if (open.has(set)) throw new TypeError(`the test set at ${path.join(' > ')} contains itself (a cycle)`);
  open.add(set);
  try {
    return fromObject(set, id, path, scope, open);
  } finally {
    open.delete(set);
  }
}

const isThenable = (value: object): value is PromiseLike<unknown> => typeof (value as { then?: unknown }).then === 'function';

// A promise where a test set belongs (an async generator's result): plans are made before any test runs, so it is
// refused with the fix; its rejection, if it comes, is nobody's unhandled error.
function promisedSet(promise: PromiseLike<unknown>): TypeError {
  Promise.resolve(promise).catch(() => undefined);
  return new TypeError('not a test set: a Promise (an async generator?); a generator returns its test set at once: do the async work in setup() or in the tests');
}

function fromObject(set: Exclude<TestSet, TestFn>, id: string, path: string[], scope: Scope, open: Set<unknown>): PlanNode {
  if (Array.isArray(set)) {
    const list = items(set as readonly unknown[]);
    // A labelled pair's label is already in `path` (see itemName).
    if (list.length === 2 && typeof list[0] === 'string') return fromSet(list[1] as TestSet, id, path, scope, open);
    const itemNames = list.map((s, i) => itemName(s as TestSet, i));
    // Two items with one name (say, the same helper twice) are told apart by their positions.
    const unique = itemNames.map((n, i) => (itemNames.indexOf(n) !== itemNames.lastIndexOf(n) ? `${n}#${i + 1}` : n));
    return group(id, path, scope, list.map((s, i) => fromSet(s as TestSet, `${id}.${i}`, [...path, unique[i]!], scope, open)));
  }
  if ('label' in set && 'test' in set) return fromSet(set.test, id, path, scope, open);
  if (!('otpTestSet' in set)) return failingCase(id, path, isThenable(set) ? promisedSet(set) : new TypeError('not a test set: an object without label/test or a builder tag'), 'bad test set');
  const tagged = set;
  switch (tagged.otpTestSet) {
    case 'setup':
    case 'foreach':
      return fixtureGroup(tagged, id, path, scope, open);
    case 'timeout': {
      const limit = checkedLimit(tagged.timeoutMs, 'the time limit of timeout(ms, tests)') ?? scope.timeoutMs;
      return group(id, path, { ...scope, timeoutMs: limit }, [fromSet(tagged.tests, `${id}.0`, path, { ...scope, timeoutMs: limit }, open)]);
    }
    case 'inparallel':
    case 'inorder': {
      const inner = { ...scope, parallel: tagged.otpTestSet === 'inparallel' };
      return group(id, path, inner, [fromSet(tagged.tests, `${id}.0`, path, inner, open)], { parallel: inner.parallel });
    }
  }
  return failingCase(id, path, new TypeError(`not a test set: an unknown builder tag ${String((tagged as { otpTestSet: unknown }).otpTestSet)}`), 'bad test set');
}

function fixtureGroup(set: SetupSet, id: string, path: string[], scope: Scope, open: Set<unknown>): PlanGroup {
  const child = fromSet(set.tests as TestSet, `${id}.0`, path, scope, open);
  const cleanup = set.cleanup as ((fixture: unknown, ctx: Parameters<SetupSet['setup']>[0]) => unknown) | undefined;
  if (set.otpTestSet === 'setup') {
    return group(id, path, scope, [child], { init: (_f, ctx) => set.setup(ctx), ...(cleanup && { end: (f, ctx) => cleanup(f, ctx) }) });
  }
  return group(id, path, scope, [child], { initEach: (_f, ctx) => set.setup(ctx), ...(cleanup && { endEach: (f, ctx) => cleanup(f, ctx) }) });
}

// A labelled item is named by its label, a named function by its name, anything else by its position.
function itemName(set: TestSet, i: number): string {
  if (Array.isArray(set) && set.length === 2 && typeof set[0] === 'string') return set[0];
  if (typeof set === 'object' && set !== null && 'label' in set) return labelText(set.label);
  if (typeof set === 'function' && set.name) return set.name;
  return `#${i + 1}`;
}

// A label as the name of its test: a string, or a number or other primitive as text; anything else is refused.
function labelText(label: unknown): string {
  if (typeof label === 'string') return label;
  if (label === null || (typeof label !== 'object' && typeof label !== 'function' && typeof label !== 'symbol')) return String(label);
  throw new TypeError(`a test's label must be a string, not ${typeof label}`);
}

// What a value is, in a warning: `an array`, `an object`, `a number`, `undefined`.
function shapeOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') return 'a Promise';
  const kind = typeof value;
  return kind === 'object' ? 'an object' : `a ${kind}`;
}

/**
 * The warnings for exports named as tests that are not functions (`export const cartTests = [...]`), which no run
 * would ever check (pure): each names the export, the file, what the value is and the shape expected.
 */
export function misshapenTestExports(file: string, exports: Readonly<Record<string, unknown>>, order?: readonly string[]): string[] {
  return exportNames(exports, order).flatMap((name) => {
    const value = exports[name];
    if (name.startsWith('prop') || typeof value === 'function' || !/Tests?$/.test(name)) return [];
    const expected = name.endsWith('Tests')
      ? `a name ending in Tests must be a generator function returning the test set (export function ${name}() { return [...]; })`
      : `a name ending in Test must be the test function (export function ${name}() { ... })`;
    return [`${file} exports ${name} as ${shapeOf(value)}, not a function: it is no test and was not run; ${expected}`];
  });
}
