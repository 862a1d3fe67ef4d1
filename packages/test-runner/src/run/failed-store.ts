import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
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

/** Reads the stored failures (none when the file is missing or unreadable). */
export function readFailed(path: string): FailedStore {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as FailedStore;
  } catch {
    return {};
  }
}

/** Writes the failures of the run that just ended. */
export function writeFailed(path: string, store: FailedStore): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(store, null, 2)}\n`);
}
