import type { FileResult } from '../result.js';

/** A stored failing run of a property: its seed and the run count it failed under (older stores hold bare seeds). */
export interface StoredCounterexample {
  readonly seed: number;
  /** The `numRuns` (`--numtests`) of the run that failed; the seed is checked again with it. */
  readonly numRuns?: number;
}

/** The stored failing runs: file (relative to the root) → property full name → counterexamples. */
export type CounterexampleStore = Record<string, Record<string, Array<number | StoredCounterexample>>>;

/** A stored entry as an object (a bare number is a seed stored before run counts were kept). */
export const storedEntry = (e: number | StoredCounterexample): StoredCounterexample => (typeof e === 'number' ? { seed: e } : e);

/** The store after a run (pure): new failures are added; one is retired only when it passed under the run count it failed with. */
export function updateStore(store: CounterexampleStore, files: readonly FileResult[]): CounterexampleStore {
  const next: CounterexampleStore = structuredClone(store);
  for (const f of files) {
    for (const c of f.cases) {
      if (c.property === undefined) continue;
      const key = c.path.join(' > ');
      const fixed = new Set(c.property.fixedSeeds ?? []);
      const entries = (next[f.file]?.[key] ?? []).filter((e) => !fixed.has(storedEntry(e).seed));
      const failure = c.property.failure;
      if (failure && !entries.some((e) => storedEntry(e).seed === failure.seed)) entries.push(failure.maxRuns === undefined ? failure.seed : { seed: failure.seed, numRuns: failure.maxRuns });
      const forFile = (next[f.file] ??= {});
      if (entries.length > 0) forFile[key] = entries;
      else delete forFile[key];
      if (Object.keys(forFile).length === 0) delete next[f.file];
    }
  }
  return next;
}
