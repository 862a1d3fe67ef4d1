import { AsyncLocalStorage, createHook } from 'node:async_hooks';

/** Who started a piece of asynchronous work in a worker: a case (by id), a group's init/end (by label) or the runner itself. */
export type Owner = { readonly kind: 'case'; readonly id: string } | { readonly kind: 'hook'; readonly label: string } | { readonly kind: 'runner' };

/** How long, at most, the end of a file waits for the timers its tests left pending, so what they throw is still reported. */
export const LATE_GRACE_MS = 1000;

// Node keeps the context of the code that created a timer or a promise: a callback runs, and an error it throws
// reaches the process-wide handlers, in the context of the test that started it, however late.
const context = new AsyncLocalStorage<Owner>();

interface TimerLike {
  hasRef?(): boolean;
  _destroyed?: boolean;
  _repeat?: number | null;
}

const pending = new Set<TimerLike>();
const byId = new Map<number, TimerLike>();
let hook: ReturnType<typeof createHook> | undefined;

function track(): void {
  hook ??= createHook({
    init(asyncId, type, _trigger, resource) {
      // The runner's own timers are not waited for; a test file's module code (no owner) and its tests' are.
      if ((type !== 'Timeout' && type !== 'Immediate') || context.getStore()?.kind === 'runner') return;
      pending.add(resource);
      byId.set(asyncId, resource);
    },
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

/** Runs `fn` as no one's work: a test file's module code, whose errors belong to no test. */
export function runAsNoOne<T>(fn: () => T): T {
  track();
  return context.exit(fn);
}

/** The owner of the code running now (in an error handler: of the code that threw), if any. */
export const currentOwner = (): Owner | undefined => context.getStore();

// Repeating timers never finish by themselves, and unreferenced ones would not keep a program alive either.
const waitable = (t: TimerLike): boolean => !t._destroyed && t._repeat == null && (t.hasRef?.() ?? true);

/** Waits until the one-shot timers and immediates that test code started have fired or been cleared, for at most `ms`. */
export async function drainTimers(ms = LATE_GRACE_MS): Promise<void> {
  const deadline = performance.now() + ms;
  while ([...pending].some(waitable) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
