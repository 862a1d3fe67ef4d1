import type { CaseResult, FailureInfo, FileResult } from '../result.js';

/**
 * What a retry of a file runs again: the ids of its failed cases, `'file'` (every case) when the file itself failed
 * (its exit code, an error no case caused, a worker that died while loading: any case may have caused it), or
 * undefined when nothing failed.
 */
export function failedIds(f: FileResult): string[] | 'file' | undefined {
  // A flaky case failed by --fail-on-flaky has passed: retrying it again would miscount its attempts.
  const failed = f.cases.filter((c) => c.status === 'failed' && !c.flaky);
  if (failed.length === 0) return undefined;
  // A failed configuration function (a suite's init or end function) runs again with the whole file, as the file's own failure does.
  return failed.some((c) => c.id === 'file' || c.config !== undefined) ? 'file' : failed.map((c) => c.id);
}

/**
 * Merges a retry into a file's result (pure): a case that passes on attempt `attempt` becomes *flaky* (a pass,
 * or a failure with `failOnFlaky`) and keeps the failures of its earlier attempts; one still failing keeps its newest failure.
 * The file's own failure (id `file`) is retried by running the whole file: it passes when that retry has none.
 */
export function mergeRetry(first: FileResult, again: FileResult, attempt: number, failOnFlaky: boolean): FileResult {
  const retried = new Map(again.cases.map((c) => [c.id, c]));
  const cases = first.cases.map((c): CaseResult => {
    const { failure: _failure, ...passed } = c;
    const r = retried.get(c.id) ?? (c.id === 'file' || c.config !== undefined ? { ...passed, status: 'passed' as const } : undefined);
    // A case a failed init auto-skipped ran in the retry of its file: it has that outcome now.
    if (r !== undefined && c.autoSkipped) return { ...r, attempts: attempt };
    if (r === undefined || c.status !== 'failed') return c;
    const earlier: FailureInfo[] = [...(c.retries ?? []), ...(c.failure ? [c.failure] : [])];
    if (r.status !== 'passed') return { ...r, attempts: attempt, retries: earlier };
    const failure: FailureInfo | undefined = failOnFlaky ? { message: 'flaky: passed only on a retry (--fail-on-flaky)', text: `flaky: failed ${attempt - 1} time(s), then passed on attempt ${attempt} (--fail-on-flaky)` } : undefined;
    return { ...r, status: failOnFlaky ? 'failed' : 'passed', flaky: true, attempts: attempt, retries: earlier, ...(failure && { failure }) };
  });
  const output = again.output ? `${first.output}\n--- retry ${attempt - 1} ---\n${again.output}` : first.output;
  return { ...first, cases, output, warnings: [...first.warnings, ...again.warnings], durationMs: first.durationMs + again.durationMs };
}
