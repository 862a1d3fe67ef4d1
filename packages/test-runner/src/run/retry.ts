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
 * The file's own failure (id `file`) is retried by running the whole file: it passes when that retry has none. A failed
 * configuration function that passes on the retry is no test: it leaves the results, and the passing cases it set up or
 * cleaned up are flaky instead, with its failures as their earlier attempts.
 */
export function mergeRetry(first: FileResult, again: FileResult, attempt: number, failOnFlaky: boolean): FileResult {
  const retried = new Map(again.cases.map((c) => [c.id, c]));
  const cleared = first.cases.filter((c) => c.config !== undefined && c.status === 'failed' && !retried.has(c.id));
  const flakyFailure: FailureInfo = { message: 'flaky: passed only on a retry (--fail-on-flaky)', text: `flaky: failed ${attempt - 1} time(s), then passed on attempt ${attempt} (--fail-on-flaky)` };
  const flaky = (r: CaseResult, earlier: readonly FailureInfo[]): CaseResult => ({ ...r, status: failOnFlaky ? 'failed' : 'passed', flaky: true, attempts: attempt, retries: earlier, ...(failOnFlaky && { failure: flakyFailure }) });
  const merged = first.cases.flatMap((c): CaseResult[] => {
    if (cleared.includes(c)) return [];
    const { failure: _failure, ...passed } = c;
    const r = retried.get(c.id) ?? (c.id === 'file' ? { ...passed, status: 'passed' as const } : undefined);
    // A case a failed init auto-skipped ran in the retry of its file: it has that outcome now.
    if (r !== undefined && c.autoSkipped) return [{ ...r, attempts: attempt }];
    if (r === undefined || c.status !== 'failed') return [c];
    const earlier: FailureInfo[] = [...(c.retries ?? []), ...attemptFailure(c)];
    // A failed case that a configuration function failing in the retry auto-skipped did not run again: it keeps its failure.
    if (r.autoSkipped) return [{ ...c, attempts: attempt }];
    if (r.status !== 'passed') return [{ ...r, attempts: attempt, retries: earlier }];
    return [flaky(r, earlier)];
  });
  // The passing cases below a configuration function that failed before carry its flakiness.
  const cases = merged.map((c) => {
    const above = cleared.filter((k) => startsWith(c.path, k.config!));
    if (above.length === 0 || c.status !== 'passed') return c;
    const earlier = [...above.flatMap((k) => [...(k.retries ?? []), ...attemptFailure(k)]), ...(c.retries ?? [])];
    return flaky(c, earlier);
  });
  // A configuration function that failed only in the retry is a failure of the run, placed before the case that follows it.
  const known = new Set(first.cases.map((c) => c.id));
  const added = again.cases.flatMap((k, i) => (k.config !== undefined && k.status === 'failed' && !known.has(k.id) ? [{ k, next: again.cases.slice(i + 1).find((n) => known.has(n.id))?.id }] : []));
  const placed = added.length === 0 ? cases : cases.flatMap((c) => [...added.filter((a) => a.next === c.id).map((a) => a.k), c]).concat(added.filter((a) => a.next === undefined).map((a) => a.k));
  const output = again.output ? `${first.output}\n--- retry ${attempt - 1} ---\n${again.output}` : first.output;
  return { ...first, cases: placed, output, warnings: [...first.warnings, ...again.warnings], durationMs: first.durationMs + again.durationMs };
}

// An attempt's failure as a retry record, keeping whether it timed out (JUnit's rerunFailure type says so).
const attemptFailure = (c: CaseResult): FailureInfo[] => (c.failure ? [c.timedOut ? { ...c.failure, timedOut: true } : c.failure] : []);

const startsWith = (path: readonly string[], scope: readonly string[]): boolean => scope.every((p, i) => path[i] === p);
