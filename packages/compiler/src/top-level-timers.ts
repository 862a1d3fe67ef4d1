import { AsyncLocalStorage } from 'node:async_hooks';

type TimerFn = (...args: unknown[]) => unknown;
type Name = 'setTimeout' | 'setInterval' | 'setImmediate';

// Each global that starts a timer, with the function that clears what it returned.
const CLEARS: Record<Name, (timer: never) => void> = { setTimeout: clearTimeout, setInterval: clearInterval, setImmediate: clearImmediate };

// The runs going on now, each with the clears of the timers it started; the globals are wrapped while any runs.
const running = new AsyncLocalStorage<Array<() => void>>();
let depth = 0;
let saved: Record<Name, TimerFn> | undefined;

// A global timer function that, inside a run, records how to clear what it starts (others' calls pass straight through).
function tracking(original: TimerFn, clear: (timer: never) => void): TimerFn {
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const timer = original.apply(this, args);
    running.getStore()?.push(() => clear(timer as never));
    return timer;
  };
  // promisify.custom and the rest of the original's own properties stay reachable through the wrapper.
  for (const key of Reflect.ownKeys(original)) if (!Object.hasOwn(wrapper, key)) Object.defineProperty(wrapper, key, Object.getOwnPropertyDescriptor(original, key)!);
  return wrapper;
}

/**
 * Runs `fn` (which evaluates application modules in a throwaway node) and then clears every timer their top
 * levels started (`setInterval(sweep, 60_000)` beside a module's cache): none keeps the compiling process
 * alive (a compile that never ends) or keeps running the module's code after the check.
 */
export async function clearingTimers<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as unknown as Record<Name, TimerFn>;
  if (depth++ === 0) {
    saved = { setTimeout: g.setTimeout, setInterval: g.setInterval, setImmediate: g.setImmediate };
    for (const name of Object.keys(CLEARS) as Name[]) g[name] = tracking(saved[name], CLEARS[name]);
  }
  const clears: Array<() => void> = [];
  try {
    return await running.run(clears, fn);
  } finally {
    for (const clear of clears) clear();
    if (--depth === 0) Object.assign(g, saved);
  }
}
