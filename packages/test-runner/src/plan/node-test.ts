import type { FilePlan, PlanCase, PlanGroup, PlanNode, Step } from './types.js';
import type { HookEntry, HookFn, NodeTestRegistry, SuiteEntry, TestContext, TestEntry, TestFn, TestOptions } from '../node-test/shim.js';
import { REGISTRY_KEY } from '../node-test/shim.js';
import type { PlanOptions } from './eunit.js';
import { checkedLimit } from './common.js';
import type { ProcessContext } from '@otp-ts/runtime';
import { waitingTable } from '../assert/process.js';

// What a callback-style test waits for until it calls `done`: a timeout reads it (`was waiting in …`).
const DONE_WAIT = 'its done callback (done() was never called?)';

/**
 * The default timeout of a node:test test or hook. node:test has none; the runner keeps a generous one
 * so a test that never settles fails alone instead of hanging the run.
 */
export const NODE_TEST_TIMEOUT_MS = 60_000;

const SKIP = Symbol.for('otp-ts.test-runner.skip');

/** The tests a node:test-style file registered while it loaded (once its async `describe` bodies settled), closed to further registration; undefined when it registered none. Rejects with what an async `describe` body threw. */
export async function takeNodeTests(): Promise<SuiteEntry | undefined> {
  const r = (globalThis as { [REGISTRY_KEY]?: NodeTestRegistry })[REGISTRY_KEY];
  if (!r) return undefined;
  // A body may start more async suites before it settles: wait until none is left.
  while (r.pending.length > 0) {
    const failed = (await Promise.all(r.pending.splice(0))).find((o) => o !== undefined);
    if (failed) throw failed.error;
  }
  r.closed = true;
  return r.root;
}

interface Scope {
  readonly timeoutMs: number;
  /** Some test or suite of the file has `only`: the others are skipped. */
  readonly onlyMode: boolean;
  /** Inside a suite marked `only` (everything below it runs). */
  readonly inOnly: boolean;
  /** Why the enclosing suite is skipped, if it is. */
  readonly skip?: string;
  /** The refusal of a bad `timeout` option of the test or an enclosing suite: its tests fail saying so. */
  readonly badLimit?: string;
}

// A `timeout` option's refusal (as EUnit's and Common Test's limits are refused), or undefined when it is fine.
function limitProblem(ms: unknown, what: string): string | undefined {
  try {
    checkedLimit(ms, what);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The plan of a node:test-style file: its suites are groups (hooks as init/end steps), its tests cases, in registration order. */
export function planNodeTests(file: string, module: string, root: SuiteEntry, options: PlanOptions = {}): FilePlan {
  const scope: Scope = { timeoutMs: options.timeoutMs ?? NODE_TEST_TIMEOUT_MS, onlyMode: options.ignoreOnly !== true && hasOnly(root), inOnly: false };
  return { file, kind: 'eunit', module, root: suiteGroup(root, 'root', [module], scope) };
}

/** The names (`outer > name`) of the tests and suites of a node:test file (its root suite) marked `only`, in registration order. */
export function onlyMarked(root: SuiteEntry): string[] {
  const walk = (entry: TestEntry | SuiteEntry, path: readonly string[]): string[] => {
    const here = [...path, entry.name];
    return [...(entry.options.only === true ? [here.join(' > ')] : []), ...(entry.kind === 'suite' ? entry.children.flatMap((c) => walk(c, here)) : [])];
  };
  return root.children.flatMap((c) => walk(c, []));
}

/** True when the environment is a CI job (`CI` set, and not to "false" or "0"), where a committed `only` must not narrow the run. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

function hasOnly(entry: TestEntry | SuiteEntry): boolean {
  return entry.options.only === true || (entry.kind === 'suite' && entry.children.some(hasOnly));
}

// A `skip` or `todo` option as a skip reason; todo tests are not run (node:test runs them but never counts their failures).
function skipReason(options: TestOptions): string | undefined {
  if (options.skip) return typeof options.skip === 'string' ? options.skip : 'skipped';
  if (options.todo) return typeof options.todo === 'string' ? `todo: ${options.todo}` : 'todo';
  return undefined;
}

/** The skip reason of a node:test test left out because another test of its file is marked `only`. */
export const NOT_ONLY = 'not marked `only` (another test of the file is)';

function childScope(entry: TestEntry | SuiteEntry, scope: Scope): Scope {
  const skip = scope.skip ?? skipReason(entry.options) ?? (scope.onlyMode && !scope.inOnly && !hasOnly(entry) ? NOT_ONLY : undefined);
  const badLimit = scope.badLimit ?? limitProblem(entry.options.timeout, `the timeout option of ${entry.kind === 'suite' ? 'describe' : 'test'}(${JSON.stringify(entry.name)})`);
  const timeoutMs = badLimit === undefined ? entry.options.timeout ?? scope.timeoutMs : scope.timeoutMs;
  return { ...scope, timeoutMs, ...(badLimit !== undefined && { badLimit }), inOnly: scope.inOnly || entry.options.only === true, ...(skip !== undefined && { skip }) };
}

function suiteGroup(suite: SuiteEntry, id: string, path: string[], scope: Scope): PlanGroup {
  const children: PlanNode[] = suite.children.map((child, i) => {
    const childId = id === 'root' ? String(i) : `${id}.${i}`;
    const inner = childScope(child, scope);
    return child.kind === 'suite' ? suiteGroup(child, childId, [...path, child.name], inner) : testCase(child, childId, [...path, child.name], inner);
  });
  const { before, after, beforeEach, afterEach } = suite.hooks;
  return {
    kind: 'group', id, name: path[path.length - 1]!, path, parallel: false, stopOnFail: false, timeoutMs: hooksTimeout([...before, ...after], scope.timeoutMs), children,
    ...(before.length > 0 && { init: hooksStep(before, path, 'before') }),
    // node --test runs the before hooks of a suite that is not itself skipped even when each of its tests is.
    ...(before.length > 0 && scope.skip === undefined && { initWhenSkipped: true }),
    ...(after.length > 0 && { end: hooksStep(after, path, 'after') }),
    ...(beforeEach.length > 0 && { initEach: (fixture, _ctx, name) => hooksStep(beforeEach, [...path, name], 'beforeEach')(fixture, _ctx) }),
    ...(afterEach.length > 0 && { endEach: (fixture, _ctx, name) => hooksStep(afterEach, [...path, name], 'afterEach')(fixture, _ctx) }),
  };
}

// Hooks share their group's timeout; the longest a hook asks for wins.
function hooksTimeout(hooks: readonly HookEntry[], fallback: number): number {
  return Math.max(fallback, ...hooks.map((h) => (limitProblem(h.options.timeout, 'a hook') === undefined ? h.options.timeout ?? 0 : 0)));
}

// Hooks run in registration order, as in node:test, and hand the fixture through unchanged; a hook's own
// `timeout` option bounds it alone (the group's and the case's limits are only the outer bound).
function hooksStep(hooks: readonly HookEntry[], path: readonly string[], kind: string): Step {
  return async (fixture, ctx) => {
    for (const h of hooks) {
      // Infinity is no limit (a timer of Infinity ms would fire at once); a bad limit fails the hook saying why.
      const ms = checkedLimit(h.options.timeout, `the timeout option of a ${kind} hook`);
      await (ms === undefined || ms === Infinity ? runBody(h.fn, path, ctx) : withTimeout(runBody(h.fn, path, ctx), ms, kind));
    }
    return fixture;
  };
}

function withTimeout(body: Promise<void>, ms: number, kind: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the ${kind} hook timed out after ${ms} ms (its timeout option)`)), ms);
  });
  return Promise.race([body, limit]).finally(() => clearTimeout(timer));
}

function testCase(entry: TestEntry, id: string, path: string[], scope: Scope): PlanCase {
  const { badLimit } = scope;
  const run: Step = badLimit === undefined ? (_fixture, ctx) => runBody(entry.fn, path, ctx) : () => Promise.reject(new TypeError(badLimit));
  return { kind: 'case', id, name: entry.name, path, timeoutMs: scope.timeoutMs, run, ...(scope.skip !== undefined && { skip: scope.skip }) };
}

/** Runs a test or hook body with its context, then its `t.after` cleanups; a `t.skip()` turns a pass into a skip. */
async function runBody(fn: TestFn, path: readonly string[], ctx: ProcessContext | undefined): Promise<void> {
  const t = new Context(path);
  const outcome = await settle(() => call(fn, t, ctx));
  t.abort.abort();
  // The body's error says more than a cleanup's, so a cleanup's error is reported only when the body passed.
  let failure = outcome;
  for (const cleanup of t.cleanups) {
    const c = await settle(() => call(cleanup, t, ctx));
    failure ??= c;
  }
  // As node --test counts them: a test that called t.skip() or t.todo() is skipped / todo even when it then failed (the failure is in the reason).
  if (t.skipped !== undefined) {
    const reason = failure ? `${t.skipped} (it failed: ${describeThrown(failure.error)})` : t.skipped;
    throw Object.assign(new Error(`skipped: ${reason}`), { name: 'Skip', reason, [SKIP]: true });
  }
  if (failure) throw failure.error;
}

// A thrown value in one line, for a skip reason.
function describeThrown(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
  } catch {
    return 'an error that cannot be read (a getter or proxy trap of it throws)';
  }
  return typeof e === 'string' ? e : `a thrown ${e === null ? 'null' : typeof e}`;
}

// What `body` threw, boxed (a thrown `undefined` is still a failure), or undefined when it resolved.
async function settle(body: () => Promise<unknown>): Promise<{ error: unknown } | undefined> {
  try {
    await body();
    return undefined;
  } catch (error) {
    return { error };
  }
}

// A body that declares a second parameter is callback-style: it ends when it calls `done`. As under node --test, it
// fails when it also returns a promise, or calls `done` again: within the tick of its first call (the outcome is
// settled on the next turn of the event loop), or later, when the second call throws, a late error of this test.
// Until `done` is called, the process is marked as waiting for it, so a timeout says done() was never called.
function call(fn: TestFn, t: TestContext, ctx: ProcessContext | undefined): Promise<unknown> {
  if (fn.length < 2) return Promise.resolve(fn(t, () => undefined));
  const key = ctx === undefined ? undefined : String(ctx.self());
  if (key !== undefined) waitingTable().set(key, DONE_WAIT);
  const called = (): unknown => key !== undefined && waitingTable().get(key) === DONE_WAIT && waitingTable().delete(key);
  return new Promise((resolve, reject) => {
    let calls = 0;
    let outcome: { error?: Error } | undefined;
    let settled = false;
    const done = (error?: unknown): void => {
      called();
      calls++;
      const again = calls > 1 ? new Error(`done() was called ${calls} times: call it once, when the test has finished`) : undefined;
      if (settled && again) throw again;
      if (outcome !== undefined) {
        outcome = { error: outcome.error ?? again };
        return;
      }
      outcome = error ? { error: error instanceof Error ? error : new Error(String(error)) } : {};
      setImmediate(() => {
        settled = true;
        if (outcome!.error !== undefined) reject(outcome!.error);
        else resolve(undefined);
      });
    };
    let returned: unknown;
    try {
      returned = fn(t, done);
    } catch (error) {
      called();
      throw error;
    }
    if (returned instanceof Promise || (typeof returned === 'object' && returned !== null && typeof (returned as { then?: unknown }).then === 'function')) {
      void Promise.resolve(returned).catch(() => undefined);
      called();
      settled = true;
      reject(new Error('the test takes a done callback and also returned a promise: use one of them (an async function without done, or done without async), as node:test requires'));
    }
  });
}

class Context implements TestContext {
  readonly name: string;
  readonly fullName: string;
  readonly abort = new AbortController();
  readonly cleanups: HookFn[] = [];
  skipped: string | undefined;

  constructor(path: readonly string[]) {
    this.name = path[path.length - 1]!;
    this.fullName = path.slice(1).join(' > ');
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  diagnostic(message: string): void {
    console.log(`# ${message}`);
  }

  skip(message?: string): void {
    this.skipped = message ?? 'skipped';
  }

  todo(message?: string): void {
    this.skipped = message ? `todo: ${message}` : 'todo';
  }

  after(fn: HookFn): void {
    this.cleanups.push(fn);
  }

  /** node:test's subtests: the plan is made before any test runs, so a subtest fails its test, saying so and what to write instead. */
  test(name?: unknown): never {
    throw new Error(`otp test: t.test(${typeof name === 'string' ? JSON.stringify(name) : ''}) creates a subtest inside a running test, which otp test does not run: make it a test() of its own, grouped with its siblings in a describe()`);
  }
}
