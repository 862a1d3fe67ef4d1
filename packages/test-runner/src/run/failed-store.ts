import type { CaseResult, FileResult } from '../result.js';

/** The failing cases of the last run, file → full case names (`module > group > case`): what `--rerun-failed` runs. */
export type FailedStore = Readonly<Record<string, readonly string[]>>;

/** The key of a case in the store: its full name, which adding or moving other tests does not change. */
export const storeName = (c: Pick<CaseResult, 'path'>): string => c.path.join(' > ');

/**
 * The failing cases of a run (pure), with those a failed init function auto-skipped (they failed the run too). A failed
 * configuration function stands for the cases it set up or cleaned up (a failed `endPerGroup(db)`: the cases of `db`),
 * so a rerun runs it again around them. A file that failed as a whole (it did not compile or load) is stored under its own path.
 */
export function failedCases(files: readonly FileResult[]): FailedStore {
  const out: Record<string, string[]> = {};
  for (const f of files) {
    const failing = f.cases.filter((c) => c.status === 'failed' || c.autoSkipped);
    const names = failing.flatMap((c) => (c.config === undefined ? [storeName(c)] : within(f, c.config)));
    if (names.length > 0) out[f.file] = [...new Set(names)];
  }
  return out;
}

// The full names of the file's cases within `scope` (a suite, group or case path), or the file's own path when none ran.
function within(f: FileResult, scope: readonly string[]): string[] {
  const names = f.cases.filter((c) => c.config === undefined && c.id !== 'file' && scope.every((p, i) => c.path[i] === p)).map(storeName);
  return names.length > 0 ? names : [f.file];
}

/**
 * The store after a whole run (pure): its failures, and the stored ones of cases it skipped (a test skipped because
 * another is marked `only`), which did not run and so did not pass.
 */
export function failedAfterWholeRun(old: FailedStore, files: readonly FileResult[]): FailedStore {
  const skipped = new Set(files.flatMap((f) => f.cases.filter((c) => c.status === 'skipped' && !c.autoSkipped).map(storeName)));
  const kept: Record<string, string[]> = {};
  for (const [file, names] of Object.entries(old)) kept[file] = names.filter((n) => skipped.has(n));
  return mergeFailed(kept, files);
}

/**
 * The store after a partial run (pure): a shard, a filter or a rerun leaves the failures it did not
 * reach as they were; the cases that ran (or no longer exist, `gone`) get this run's outcome.
 */
export function mergeFailed(old: FailedStore, files: readonly FileResult[], gone: FailedStore = {}): FailedStore {
  const out: Record<string, string[]> = {};
  // A case skipped (by `only`, a skip, --bail) did not run: its stored failure stays until it passes.
  const ran = new Map(files.map((f) => [f.file, new Set(f.cases.filter((c) => c.status !== 'skipped' || c.autoSkipped).map(storeName))]));
  for (const [file, names] of Object.entries(old)) {
    const drop = new Set([...(ran.get(file) ?? []), ...(gone[file] ?? [])]);
    const kept = names.filter((n) => !drop.has(n));
    if (kept.length > 0) out[file] = kept;
  }
  for (const [file, names] of Object.entries(failedCases(files))) out[file] = [...new Set([...(out[file] ?? []), ...names])];
  return out;
}

/** Whether a stored name marks the whole file (it failed before its cases were known). */
export const wholeFile = (file: string, names: readonly string[]): boolean => names.includes(file);
