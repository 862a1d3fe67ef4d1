import type { ProcessContext } from '@otp-ts/runtime';

/** An EUnit test: a function of a fresh process context (and, inside `setup`/`foreach`, of the fixture). */
export type TestFn<F = unknown> = (ctx: ProcessContext, fixture: F) => unknown;

/** A test or a test set with a name: `['label', test]` or `{ label, test }`. */
export type Labelled<F = unknown> = readonly [string, TestSet<F>] | { readonly label: string; readonly test: TestSet<F> };

/** What a `...Tests` generator returns: tests, labelled tests, arrays of them, and the fixtures and modifiers below. */
export type TestSet<F = unknown> = TestFn<F> | Labelled<F> | readonly TestSet<F>[] | SetupSet<F> | ModifiedSet<F>;

/** A set whose tests share a fixture (`setup`) or get one each (`foreach`). */
export interface SetupSet<F = unknown> {
  readonly otpTestSet: 'setup' | 'foreach';
  readonly setup: (ctx: ProcessContext) => unknown;
  readonly cleanup: ((fixture: never, ctx: ProcessContext) => unknown) | undefined;
  readonly tests: TestSet<never>;
  /** Phantom: the fixture type of the enclosing set. */
  readonly outer?: F;
}

/** A set run with a different timeout or concurrency. */
export interface ModifiedSet<F = unknown> {
  readonly otpTestSet: 'timeout' | 'inparallel' | 'inorder';
  readonly timeoutMs?: number;
  readonly tests: TestSet<F>;
}

/** Runs `setupFn` once (in a process that lives until the cleanup), gives its result to every test, then runs `cleanupFn`. */
export function setup<X, F = unknown>(setupFn: (ctx: ProcessContext) => X | Promise<X>, cleanupFn: ((fixture: X, ctx: ProcessContext) => unknown) | undefined, tests: TestSet<X>): SetupSet<F> {
  return { otpTestSet: 'setup', setup: setupFn, cleanup: cleanupFn, tests: tests as TestSet<never> };
}

/** Runs `setupFn` before and `cleanupFn` after each test (in the test's own process), giving each test its own fixture. */
export function foreach<X, F = unknown>(setupFn: (ctx: ProcessContext) => X | Promise<X>, cleanupFn: ((fixture: X, ctx: ProcessContext) => unknown) | undefined, tests: TestSet<X>): SetupSet<F> {
  return { otpTestSet: 'foreach', setup: setupFn, cleanup: cleanupFn, tests: tests as TestSet<never> };
}

/** Gives every test in `tests` a timeout of `ms` instead of the default 5000 ms. */
export function timeout<F = unknown>(ms: number, tests: TestSet<F>): ModifiedSet<F> {
  return { otpTestSet: 'timeout', timeoutMs: ms, tests };
}

/** Runs the tests of `tests` concurrently (each still in its own process). */
export function inparallel<F = unknown>(tests: TestSet<F>): ModifiedSet<F> {
  return { otpTestSet: 'inparallel', tests };
}

/** Runs the tests of `tests` one after the other (the default; undoes an enclosing `inparallel`). */
export function inorder<F = unknown>(tests: TestSet<F>): ModifiedSet<F> {
  return { otpTestSet: 'inorder', tests };
}

const SKIP = Symbol.for('otp-ts.test-runner.skip');

/** Thrown by `skip`: the runner records the test (or every test under a failed init) as skipped. */
export class Skip extends Error {
  readonly [SKIP] = true;
  constructor(readonly reason: string) {
    super(`skipped: ${reason}`);
    this.name = 'Skip';
  }
}

/** Skips the running test case (or, from an init function, every case it precedes) with a reason. */
export function skip(reason: string): never {
  throw new Skip(reason);
}

/** True for a `Skip` from any copy of this module. */
export function isSkip(e: unknown): e is Skip {
  try {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[SKIP] === true;
  } catch {
    return false; // a proxy whose get trap throws is no Skip
  }
}
