import type { CaseResult, FileResult } from '../result.js';
import type { Reporter } from '../report/types.js';

// --rerun-failed: stored failures whose case (or whole file) no longer exists are reported as such, as skipped cases.
const GONE = 'failed in the last run and no longer exists (renamed or removed)';

function goneCase(file: string, name: string): CaseResult {
  const path = name.split(' > ');
  return { id: `gone:${name}`, file, name: path[path.length - 1]!, path, status: 'skipped', durationMs: 0, skipReason: GONE };
}

/** A file's result with the stored failures that no longer exist added as skipped cases (each told to the reporters). */
export function withGone(result: FileResult, names: readonly string[], reporters: readonly Reporter[]): FileResult {
  if (names.length === 0) return result;
  const gone = names.map((n) => goneCase(result.file, n));
  gone.forEach((c) => reporters.forEach((r) => r.onCaseEnd?.(c)));
  return { ...result, cases: [...result.cases, ...gone] };
}

/** The result of a failed file that no longer exists: each stored failure as a skipped case. */
export function goneCases(file: string, names: readonly string[], reporters: readonly Reporter[]): FileResult {
  const result = withGone({ file, cases: [], durationMs: 0, warnings: [], output: '' }, names, reporters);
  reporters.forEach((r) => r.onFileEnd?.(result));
  return result;
}
