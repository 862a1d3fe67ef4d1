import type { FileResult } from '../result.js';

/** The stored failing seeds: file (relative to the root) → property full name → seeds. */
export type CounterexampleStore = Record<string, Record<string, number[]>>;

/** The store after a run (pure): new failing seeds are added, seeds that now pass are dropped. */
export function updateStore(store: CounterexampleStore, files: readonly FileResult[]): CounterexampleStore {
  const next: CounterexampleStore = structuredClone(store);
  for (const f of files) {
    for (const c of f.cases) {
      if (c.property === undefined) continue;
      const key = c.path.join(' > ');
      const seeds = new Set(next[f.file]?.[key] ?? []);
      for (const s of c.property.fixedSeeds ?? []) seeds.delete(s);
      if (c.property.failure) seeds.add(c.property.failure.seed);
      const forFile = (next[f.file] ??= {});
      if (seeds.size > 0) forFile[key] = [...seeds];
      else delete forFile[key];
      if (Object.keys(forFile).length === 0) delete next[f.file];
    }
  }
  return next;
}
