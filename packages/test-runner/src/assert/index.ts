export { assert, assertNot, assertEqual, assertNotEqual, assertMatch, assertThrow, assertError } from './basic.js';
export type { ErrorMatcher } from './basic.js';
export { assertExit, assertReceive, assertNoReceive } from './process.js';
export type { MessageMatcher, ReasonMatcher } from './process.js';
export { AssertionFailure, isAssertionFailure, describeFailure } from './failure.js';
export type { FailureDetails, SourceLocation } from './failure.js';
export { diffValues, diffPattern } from './diff.js';
export { deepEqual } from './equal.js';
export { _ } from '@otp-ts/runtime';
