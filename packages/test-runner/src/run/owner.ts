import { AsyncLocalStorage, createHook } from 'node:async_hooks';

/** Who started a piece of asynchronous work in a worker: a case (by id), a group's init/end (by label), the test file's module code while it loads, or the runner itself. */
export type Owner = { readonly kind: 'case'; readonly id: string } | { readonly kind: 'hook'; readonly label: string } | { readonly kind: 'load' } | { readonly kind: 'runner' };

/**
 * How far ahead the end of a file waits for the one-shot timers its module code and tests left pending, so what they
 * throw is still reported against the file (its worker ends after): a timer due later is named in a warning instead.
 */
export const LATE_GRACE_MS = 5000;

// Node keeps the context of the code that created a timer or a promise: a callback runs, and an error it throws
// reaches the process-wide handlers, in the context of the test that started it, however late.
const context = new AsyncLocalStorage<Owner>();

interface TimerLike {
  hasRef?(): boolean;
  _idleTimeout?: number;
  _destroyed?: boolean;
  _repeat?: number | null;
}

const pending = new Set<TimerLike>();
// When each pending timer is due (performance.now() time), so the end of a file waits only for those due soon.
const dueAt = new WeakMap<TimerLike, number>();
const byId = new Map<number, TimerLike>();
let hook: ReturnType<typeof createHook> | undefined;

// Cases whose function has returned: their code that runs from now on (a timer, a promise) is late.
const returnedCases = new Set<string>();
// The case whose late code runs now, as last told to `lateListener`.
let lateNow: string | undefined;
let lateListener: ((id: string | undefined) => void) | undefined;

// Before every callback: when the code about to run is a returned case's (or stops being), the listener is told, so
// the main thread knows whose code holds the event loop if the worker stops answering.
function beforeCallback(): void {
  if (lateListener === undefined) return;
  const owner = context.getStore();
  const id = owner?.kind === 'case' && returnedCases.has(owner.id) ? owner.id : undefined;
  if (id === lateNow) return;
  lateNow = id;
  try {
    lateListener(id);
  } catch {
    // A hook must never throw; the listener only posts a message.
  }
}

function track(): void {
  hook ??= createHook({
    init(asyncId, type, _trigger, resource) {
      // The runner's own timers are not waited for; a test file's module code (no owner) and its tests' are.
      if ((type !== 'Timeout' && type !== 'Immediate') || context.getStore()?.kind === 'runner') return;
      pending.add(resource);
      const t = resource as TimerLike;
      dueAt.set(t, performance.now() + (type === 'Timeout' ? Math.max(1, Number(t._idleTimeout) || 1) : 0));
      byId.set(asyncId, resource);
    },
    before: beforeCallback,
    destroy(asyncId) {
      const r = byId.get(asyncId);
      if (r === undefined) return;
      byId.delete(asyncId);
      pending.delete(r);
    },
  }).enable();
}

/** Runs `fn` as work of `owner`: everything it starts, directly or not, is traced back to it. */
export function runAs<T>(owner: Owner, fn: () => T): T {
  track();
  return context.run(owner, fn);
}

/** Runs `fn` as the loading of a test file: its module code, whose errors belong to no test but to the file's loading. */
export function runAsLoading<T>(fn: () => T): T {
  return runAs({ kind: 'load' }, fn);
}

/** Marks case `id` as returned: from now on its timers' and promises' callbacks are reported to the late listener. */
export function markReturned(id: string): void {
  returnedCases.add(id);
}

/** Whether case `id` has returned (its code running now is late). */
export function hasReturned(id: string): boolean {
  return returnedCases.has(id);
}

/** Tells `listener` each time the code running starts or stops being a returned case's (the case's id, or undefined). */
export function onLateCode(listener: (id: string | undefined) => void): void {
  lateListener = listener;
}

/** The owner of the code running now (in an error handler: of the code that threw), if any. */
export const currentOwner = (): Owner | undefined => context.getStore();

// Repeating timers never finish by themselves, and unreferenced ones would not keep a program alive either.
const waitable = (t: TimerLike): boolean => !t._destroyed && t._repeat == null && (t.hasRef?.() ?? true);

/**
 * Waits until the one-shot timers and immediates that test code started and that are due within `ms` have fired or
 * been cleared (for at most `ms`); returns how far ahead (ms) the ones still pending were due, soonest first.
 */
export async function drainTimers(ms = LATE_GRACE_MS): Promise<number[]> {
  const deadline = performance.now() + ms;
  const dueSoon = (t: TimerLike): boolean => waitable(t) && (dueAt.get(t) ?? 0) <= deadline;
  while ([...pending].some(dueSoon) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const now = performance.now();
  return [...pending].filter(waitable).map((t) => Math.max(0, Math.round((dueAt.get(t) ?? now) - now))).sort((a, b) => a - b);
}
