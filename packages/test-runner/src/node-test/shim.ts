// Stands in for `node:test` in test files the runner bundles: calls are only recorded, for the runner
// to plan and run as cases. Self-contained (bundled into each test file), so it shares state with the
// runner through a global registry rather than through module instances.
import { AsyncLocalStorage } from 'node:async_hooks';

/** Options of `test`, `it`, `describe` and the hooks that the runner honours. */
export interface TestOptions {
  timeout?: number;
  skip?: boolean | string;
  todo?: boolean | string;
  only?: boolean;
  concurrency?: number | boolean;
}

/** What a test or hook body receives: the subset of node:test's TestContext the runner provides. */
export interface TestContext {
  readonly name: string;
  readonly fullName: string;
  readonly signal: AbortSignal;
  diagnostic(message: string): void;
  skip(message?: string): void;
  todo(message?: string): void;
  after(fn: HookFn): void;
}

/** A test body: async, or callback-style when it declares a second parameter. */
export type TestFn = (t: TestContext, done: (error?: unknown) => void) => unknown;
/** A hook body (same shapes as a test body). */
export type HookFn = TestFn;

/** A recorded hook. */
export interface HookEntry {
  readonly fn: HookFn;
  readonly options: TestOptions;
}

/** A recorded `test` / `it`. */
export interface TestEntry {
  readonly kind: 'test';
  readonly name: string;
  readonly options: TestOptions;
  readonly fn: TestFn;
}

/** A recorded `describe` (the file itself is the root suite). */
export interface SuiteEntry {
  readonly kind: 'suite';
  readonly name: string;
  readonly options: TestOptions;
  readonly children: Array<TestEntry | SuiteEntry>;
  readonly hooks: Record<'before' | 'after' | 'beforeEach' | 'afterEach', HookEntry[]>;
}

/** Everything a file registered; `closed` once the runner has planned it (later calls cannot become cases). */
export interface NodeTestRegistry {
  readonly root: SuiteEntry;
  /** The suite whose body is running, followed across its awaits (an async `describe` registers after them too). */
  readonly scope: AsyncLocalStorage<SuiteEntry>;
  /** The async `describe` bodies still running, each settling to its error (undefined when it resolved). */
  readonly pending: Array<Promise<{ error: unknown } | undefined>>;
  closed: boolean;
}

/** Where the registry lives on globalThis, for the runner's worker to find. */
export const REGISTRY_KEY = Symbol.for('otp-ts.test-runner.node-test');

function suiteEntry(name: string, options: TestOptions): SuiteEntry {
  return { kind: 'suite', name, options, children: [], hooks: { before: [], after: [], beforeEach: [], afterEach: [] } };
}

function registry(): NodeTestRegistry {
  const g = globalThis as { [REGISTRY_KEY]?: NodeTestRegistry };
  if (!g[REGISTRY_KEY]) {
    const root = suiteEntry('', {});
    g[REGISTRY_KEY] = { root, scope: new AsyncLocalStorage(), pending: [], closed: false };
  }
  const r = g[REGISTRY_KEY];
  // Subtests created while tests run (`test` inside a test body) have no place in a plan made up front.
  if (r.closed) throw new Error('otp test: test(), describe() and hooks must be called while the file loads, not inside a running test');
  return r;
}

// The suite new tests and hooks belong to: the one whose body is running, else the file.
const current = (r: NodeTestRegistry): SuiteEntry => r.scope.getStore() ?? r.root;

type Args = [name?: unknown, options?: unknown, fn?: unknown];

// node:test's `([name][, options][, fn])`: each part is optional.
function parseArgs(args: Args): { name: string; options: TestOptions; fn: TestFn } {
  const list = [...args];
  const name = typeof list[0] === 'string' ? (list.shift() as string) : undefined;
  const options = typeof list[0] === 'object' && list[0] !== null ? (list.shift() as TestOptions) : {};
  const fn = typeof list[0] === 'function' ? (list[0] as TestFn) : () => undefined;
  return { name: name ?? (fn.name || '<anonymous>'), options, fn };
}

/** Records a test of the current suite. */
export function test(...args: Args): Promise<void> {
  const { name, options, fn } = parseArgs(args);
  current(registry()).children.push({ kind: 'test', name, options, fn });
  return Promise.resolve();
}

/** Records a suite: its body runs now, and the tests and hooks it registers belong to it, also after an `await` in an async body (the runner plans the file once every such body has settled). */
export function describe(...args: Args): Promise<void> {
  const r = registry();
  const { name, options, fn } = parseArgs(args);
  const entry = suiteEntry(name, options);
  current(r).children.push(entry);
  const out = r.scope.run(entry, () => (fn as unknown as () => unknown)());
  if (typeof (out as PromiseLike<unknown> | undefined)?.then === 'function') {
    r.pending.push(Promise.resolve(out).then(() => undefined, (error: unknown) => ({ error })));
  }
  return Promise.resolve();
}

function variants<F extends (...args: Args) => Promise<void>>(base: F): F & { skip: F; todo: F; only: F } {
  const withOption = (extra: TestOptions) => ((...args: Args) => {
    const { name, options, fn } = parseArgs(args);
    return base(name, { ...options, ...extra }, fn);
  }) as F;
  return Object.assign(base, { skip: withOption({ skip: true }), todo: withOption({ todo: true }), only: withOption({ only: true }) });
}

/** node:test's `test`, with `.skip`, `.todo` and `.only`. */
const testFn = variants(test);
/** node:test's `describe`, with `.skip`, `.todo` and `.only`. */
const describeFn = variants(describe);
export { testFn as default, testFn as it, describeFn as suite };

function hook(kind: keyof SuiteEntry['hooks']) {
  return (fn: HookFn, options: TestOptions = {}): void => {
    current(registry()).hooks[kind].push({ fn, options });
  };
}

/** Runs once before the tests of the current suite. */
export const before = hook('before');
/** Runs once after the tests of the current suite, even after failures. */
export const after = hook('after');
/** Runs before each test of the current suite and the suites inside it. */
export const beforeEach = hook('beforeEach');
/** Runs after each test of the current suite and the suites inside it, even after a failure. */
export const afterEach = hook('afterEach');
