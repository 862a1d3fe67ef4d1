import { TIMEOUT, isDown, matchPattern, type Down, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { AssertionFailure } from './failure.js';
import { errorMatches } from './basic.js';
import { show } from './format.js';

/** What a message must be: a predicate, or a pattern matched like `assertMatch` (`_` is the wildcard). */
export type MessageMatcher = ((message: unknown) => boolean) | object | string | number | boolean | symbol;

/** What an exit reason must be: a pattern (matched partially), an Error class, a predicate or a RegExp over its message. */
export type ReasonMatcher = unknown;

// Where each waiting test process waits, read by the runner when a test hangs past its timeout.
const WAITING = Symbol.for('otp-ts.test-runner.waiting');

/** The table of pending assertion waits, shared by every copy of this module through the global symbol registry. */
export function waitingTable(): Map<string, string> {
  const g = globalThis as unknown as Record<symbol, Map<string, string> | undefined>;
  return (g[WAITING] ??= new Map());
}

async function waitFor<T>(ctx: ProcessContext, what: string, wait: () => Promise<T>): Promise<T> {
  const key = String(ctx.self());
  waitingTable().set(key, what);
  try {
    return await wait();
  } finally {
    waitingTable().delete(key);
  }
}

function toPredicate(matcher: MessageMatcher | undefined): (m: unknown) => boolean {
  if (matcher === undefined) return () => true;
  return typeof matcher === 'function' ? (matcher as (m: unknown) => boolean) : (m) => matchPattern(matcher, m);
}

function reasonMatches(reason: unknown, expected: ReasonMatcher): boolean {
  if (typeof expected === 'function' || expected instanceof RegExp) return errorMatches(reason, expected as RegExp);
  return matchPattern(expected, reason);
}

/** Waits for `pid` to exit (monitoring it) and fails unless it does within `timeoutMs` with a matching reason; returns the reason. */
export async function assertExit(ctx: ProcessContext, pid: Pid, reason?: ReasonMatcher, timeoutMs = 5000): Promise<unknown> {
  const ref = ctx.monitor(pid);
  const down = await waitFor(ctx, `assertExit(${pid}) for ${timeoutMs} ms`, () => ctx.receive((m): m is Down => isDown(m, ref), timeoutMs));
  if (down === TIMEOUT) {
    ctx.demonitor(ref, { flush: true });
    const info = ctx.processInfo(pid);
    const where = info ? ` (status ${info.status}, ${info.messageQueueLen} messages in its mailbox)` : '';
    throw new AssertionFailure(`expected ${pid} to exit within ${timeoutMs} ms, but it is still alive${where}`, { operator: 'assertExit', expected: reason ?? 'an exit', actual: 'alive' }, assertExit);
  }
  if (reason !== undefined && !reasonMatches(down.reason, reason)) {
    throw new AssertionFailure(`${pid} exited with an unexpected reason: ${show(down.reason)}`, { operator: 'assertExit', expected: reason, actual: down.reason, diff: 'equal' }, assertExit);
  }
  return down.reason;
}

/** Fails unless a matching message arrives within `timeoutMs` (default 1000); returns the message (taken from the mailbox). */
export async function assertReceive<T = unknown>(ctx: ProcessContext, matcher?: MessageMatcher, timeoutMs = 1000): Promise<T> {
  const got = await waitFor(ctx, `assertReceive(${matcherText(matcher)}) for ${timeoutMs} ms`, () => ctx.receive(toPredicate(matcher), timeoutMs));
  if (got === TIMEOUT) {
    const mailbox = ctx.node.messages(ctx.self(), 10);
    throw new AssertionFailure(`no message matching ${matcherText(matcher)} arrived within ${timeoutMs} ms; the mailbox holds ${mailbox.length === 0 ? 'nothing' : show(mailbox)}`, { operator: 'assertReceive', expected: matcherText(matcher), actual: mailbox }, assertReceive);
  }
  return got as T;
}

/** Fails if a matching message (any message without a matcher) arrives within `timeoutMs` (default 100). */
export async function assertNoReceive(ctx: ProcessContext, matcher?: MessageMatcher, timeoutMs = 100): Promise<void> {
  const got = await waitFor(ctx, `assertNoReceive(${matcherText(matcher)}) for ${timeoutMs} ms`, () => ctx.receive(toPredicate(matcher), timeoutMs));
  if (got !== TIMEOUT) {
    throw new AssertionFailure(`expected no message matching ${matcherText(matcher)}, but got ${show(got)}`, { operator: 'assertNoReceive', expected: 'no message', actual: got }, assertNoReceive);
  }
}

function matcherText(matcher: MessageMatcher | undefined): string {
  if (matcher === undefined) return 'anything';
  if (typeof matcher === 'function') return matcher.name || String(matcher).slice(0, 80);
  return show(matcher);
}
