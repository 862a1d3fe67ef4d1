import type { FileResult } from '../result.js';

/** The failing cases of the last run, file → case ids: what `--rerun-failed` runs. */
export type FailedStore = Readonly<Record<string, readonly string[]>>;

/** The failing cases of a run (pure). */
export function failedCases(files: readonly FileResult[]): FailedStore {
  const out: Record<string, string[]> = {};
  for (const f of files) {
    const ids = f.cases.filter((c) => c.status === 'failed').map((c) => c.id);
    if (ids.length > 0) out[f.file] = ids;
  }
  return out;
}
