/** How a case ended. `failed` covers assertion failures, crashes, timeouts and dead workers; a flaky case (see `CaseResult.flaky`) is `passed`, or `failed` under `failOnFlaky`. */
export type CaseStatus = 'passed' | 'failed' | 'skipped';

/** A failure as data: what reporters print and serialize. */
export interface FailureInfo {
  readonly message: string;
  /** The whole text to print: message, source line, diff or stack (the user's frames only). */
  readonly text: string;
  /** The complete stack as thrown, with the runner's, the runtime's, other packages' and Node's frames, when `text` left some out. */
  readonly stack?: string;
  readonly diff?: string;
  readonly location?: { readonly file: string; readonly line: number; readonly column: number; readonly lineText: string };
  /** An earlier attempt of a retried case (`CaseResult.retries`) that timed out, as `CaseResult.timedOut` says of the last. */
  readonly timedOut?: boolean;
}

/** What a failing property test adds: enough to replay it. */
export interface PropertyFailure {
  readonly seed: number;
  readonly path: string | undefined;
  readonly counterexample: string;
  /** The run at which it failed. */
  readonly numRuns: number;
  /** The run count the check was given (`--numtests`): replaying needs it, since later runs generate other values. */
  readonly maxRuns?: number;
  readonly numShrinks: number;
  /** The exact command that replays the failure. */
  readonly replay: string;
}

/** The outcome of one test case. */
export interface CaseResult {
  readonly id: string;
  readonly file: string;
  readonly name: string;
  /** Module, groups, case: joined with ` > ` it is the full name. */
  readonly path: readonly string[];
  readonly status: CaseStatus;
  readonly durationMs: number;
  readonly failure?: FailureInfo;
  /** Why it was skipped. */
  readonly skipReason?: string;
  /** Skipped because an init function above it failed (Common Test's auto-skip; the reason holds the init's error): the run fails. */
  readonly autoSkipped?: boolean;
  /** A failed configuration function of a suite (`initPerGroup(db) failed`): the path of the suite, group or case it set up or cleaned up, which `--rerun-failed` runs again. */
  readonly config?: readonly string[];
  /** Skipped because the run was interrupted before or while it ran (`RunResult.interrupted`). */
  readonly interrupted?: boolean;
  /** Processes the case left alive (they were killed after the case). */
  readonly leaks?: readonly string[];
  /** Crash reports of other processes and unhandled rejections seen while the case ran. */
  readonly log?: readonly string[];
  readonly property?: { readonly seed: number; readonly numRuns: number; readonly failure?: PropertyFailure; readonly fixedSeeds?: readonly number[] };
  readonly timedOut?: boolean;
  /** What the case wrote to stdout and stderr while it ran alone (parallel cases' output stays in the file's). */
  readonly output?: string;
  /** Passed only on a retry (`retry`): the distinct *flaky* outcome. */
  readonly flaky?: boolean;
  /** How many times the case ran, when it was retried. */
  readonly attempts?: number;
  /** The failures of the earlier attempts of a retried case. */
  readonly retries?: readonly FailureInfo[];
}

/** The outcome of one test file. */
export interface FileResult {
  readonly file: string;
  readonly cases: readonly CaseResult[];
  readonly durationMs: number;
  /** Problems not tied to one case: a dead worker, a failing end function, leaks of a parallel group. */
  readonly warnings: readonly string[];
  /** What the file's tests wrote to stdout and stderr. */
  readonly output: string;
  readonly shuffleSeed?: number;
}

/** Totals of a run. */
export interface Counts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly total: number;
  /** Cases that passed only on a retry (present when any did). */
  readonly flaky?: number;
}

/** What `runTests` resolves with. */
export interface RunResult {
  readonly ok: boolean;
  readonly counts: Counts;
  readonly files: readonly FileResult[];
  readonly durationMs: number;
  /** The run's shuffle seed (file order with `shuffle`, CT `shuffle` groups). */
  readonly shuffleSeed?: number;
  /** Set when the run selected no test (and `passWithNoTests` was not given): one sentence naming the filter that matched nothing and the closest names. The run then fails. */
  readonly noTests?: string;
  /** Set when the run selected no test and still passes, to why: an empty shard of a valid split (fewer test files than shards), or `rerunFailed` with nothing to rerun (no stored failure, or none in this shard or among the filtered tests). */
  readonly nothingToRun?: string;
  /** Set when auto-skipped cases did not fail the run (`ignoreAutoSkips`): they are reported as skips. */
  readonly autoSkipsIgnored?: true;
  /** Set when the run was interrupted (`signal`), to why (e.g. `SIGINT`): the cases that did not finish are skipped, and the run fails. */
  readonly interrupted?: string;
}

/** Counts of a list of case results. */
export function countCases(cases: readonly CaseResult[]): Counts {
  const count = (s: CaseStatus): number => cases.filter((c) => c.status === s).length;
  const flaky = cases.filter((c) => c.flaky).length;
  return { passed: count('passed'), failed: count('failed'), skipped: count('skipped'), total: cases.length, ...(flaky > 0 && { flaky }) };
}

/**
 * `result` with the latest results of the files it did not run (`earlier`, e.g. a watch session's): each file once, the
 * newest outcome, counts and `ok` over them all; what a JSON or JUnit report of a rerun says (`carried` of runTests).
 */
export function withEarlierFiles(result: RunResult, earlier: readonly FileResult[]): RunResult {
  // In the earlier order, a file run again in its place; a file new to the session after them.
  const ran = new Map(result.files.map((f) => [f.file, f]));
  const known = new Set(earlier.map((f) => f.file));
  const files = [...earlier.map((f) => ran.get(f.file) ?? f), ...result.files.filter((f) => !known.has(f.file))];
  const cases = files.flatMap((f) => f.cases);
  const counts = countCases(cases);
  // A rerun that ran no test (`--watch --grep foo`, a changed file with no match) is no empty session when earlier files ran some.
  const { noTests, nothingToRun, ...rest } = result;
  const empty = counts.passed + counts.failed === 0;
  const ok = result.interrupted === undefined && counts.failed === 0 && (result.autoSkipsIgnored === true || !cases.some((c) => c.autoSkipped)) && (!empty || noTests === undefined);
  return { ...rest, files, counts, ok, ...(empty && noTests !== undefined && { noTests }), ...(empty && nothingToRun !== undefined && { nothingToRun }) };
}
