import type { ProcessContext } from '../types.js';
import { internals } from '../process-internals.js';

/**
 * Records what the calling process runs, for processInfo's currentFunction: a behaviour loop writes its
 * loop's name while it waits and `<module>.<callback>` around a callback. One field write, no allocation.
 */
export function setCurrentFunction(ctx: ProcessContext, name: string): void {
  internals(ctx).currentFunction = name;
}

/** Gives a callback module's `<module>.<callback>` names, built once per module object and shared by its processes. */
export function callbackNamer<K extends string>(callbacks: readonly K[]): (mod: object, module: string) => Readonly<Record<K, string>> {
  const cache = new WeakMap<object, Readonly<Record<K, string>>>();
  return (mod, module) => {
    let names = cache.get(mod);
    if (names === undefined) cache.set(mod, (names = Object.freeze(Object.fromEntries(callbacks.map((c) => [c, `${module}.${c}`])) as Record<K, string>)));
    return names;
  };
}
