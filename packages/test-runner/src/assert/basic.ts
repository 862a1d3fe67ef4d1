import { matchPattern } from '@otp-ts/runtime';
import { AssertionFailure } from './failure.js';
import { deepEqual } from './equal.js';
import { show } from './format.js';

/** Fails unless `value` is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  if (!value) throw new AssertionFailure(message ?? `expected a truthy value, got ${show(value)}`, { operator: 'assert', expected: true, actual: value }, assert);
}

/** Fails unless `value` is falsy. */
export function assertNot(value: unknown, message?: string): void {
  if (value) throw new AssertionFailure(message ?? `expected a falsy value, got ${show(value)}`, { operator: 'assertNot', expected: false, actual: value }, assertNot);
}

/** Fails unless `actual` deeply equals `expected` (objects, arrays, Maps, Sets, Dates by content). */
export function assertEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
  if (!deepEqual(actual, expected)) {
    throw new AssertionFailure(message ?? 'values are not deeply equal', { operator: 'assertEqual', expected, actual, diff: 'equal' }, assertEqual);
  }
}

/** Fails when `actual` deeply equals `unexpected`. */
export function assertNotEqual(actual: unknown, unexpected: unknown, message?: string): void {
  if (deepEqual(actual, unexpected)) {
    throw new AssertionFailure(message ?? `expected a value different from ${show(unexpected)}`, { operator: 'assertNotEqual', expected: unexpected, actual }, assertNotEqual);
  }
}

/**
 * Fails unless `actual` matches `pattern` partially: objects by the pattern's keys only, arrays element
 * by element, `_` (from @otp-ts/runtime) matches anything, other values by equality.
 */
export function assertMatch(actual: unknown, pattern: unknown, message?: string): void {
  if (!matchPattern(pattern, actual)) {
    throw new AssertionFailure(message ?? 'value does not match the pattern', { operator: 'assertMatch', expected: pattern, actual, diff: 'pattern' }, assertMatch);
  }
}

/** What a thrown value must be: a class it is an instance of, a predicate, or a RegExp over its message. */
export type ErrorMatcher = (abstract new (...args: never[]) => unknown) | ((error: unknown) => boolean) | RegExp;

/** True when a thrown value (or exit reason) satisfies the matcher; any value does when there is none. */
export function errorMatches(error: unknown, expected: ErrorMatcher | undefined): boolean {
  if (expected === undefined) return true;
  if (expected instanceof RegExp) return expected.test(error instanceof Error ? error.message : String(error));
  if (expected.prototype !== undefined && (expected.prototype instanceof Error || expected === Error)) return error instanceof expected;
  return (expected as (error: unknown) => boolean)(error);
}

function describeMatcher(expected: ErrorMatcher | undefined): string {
  if (expected === undefined) return 'an exception';
  if (expected instanceof RegExp) return `an error whose message matches ${expected}`;
  return expected.prototype instanceof Error || expected === Error ? `an instance of ${expected.name}` : expected.name.startsWith('an ') ? expected.name : `an error accepted by ${expected.name || 'the predicate'}`;
}

function thrownFailure(expected: ErrorMatcher | undefined, outcome: { threw: boolean; error?: unknown }, operator: string, caller: (...args: never[]) => unknown): AssertionFailure {
  const message = outcome.threw ? `expected ${describeMatcher(expected)}, but ${show(outcome.error)} was thrown` : `expected ${describeMatcher(expected)}, but nothing was thrown`;
  return new AssertionFailure(message, { operator, expected: describeMatcher(expected), actual: outcome.threw ? outcome.error : 'no exception' }, caller);
}

function checkThrow(fn: () => unknown, expected: ErrorMatcher | undefined, operator: string, caller: (...args: never[]) => unknown): unknown {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    if (errorMatches(error, expected)) return error;
    throw thrownFailure(expected, { threw: true, error }, operator, caller);
  }
  if (result instanceof Promise) return checkRejects(result, expected, operator);
  throw thrownFailure(expected, { threw: false }, operator, caller);
}

async function checkRejects(promise: Promise<unknown>, expected: ErrorMatcher | undefined, operator: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    if (errorMatches(error, expected)) return error;
    throw thrownFailure(expected, { threw: true, error }, operator, checkRejects);
  }
  throw thrownFailure(expected, { threw: false }, operator, checkRejects);
}

/** Fails unless `fn` throws a matching value; when `fn` returns a promise, resolves once it rejected with one. Returns the error. */
export function assertThrow(fn: () => unknown, expected?: ErrorMatcher): unknown {
  return checkThrow(fn, expected, 'assertThrow', assertThrow);
}

/** Like `assertThrow`, but the thrown value must also be an `Error` (not any thrown value). */
export function assertError(fn: () => unknown, expected?: ErrorMatcher): unknown {
  const matcher = (e: unknown): boolean => e instanceof Error && errorMatches(e, expected);
  Object.defineProperty(matcher, 'name', { value: expected === undefined ? 'an Error' : describeMatcher(expected) });
  return checkThrow(fn, matcher, 'assertError', assertError);
}
