import { availableParallelism } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { RunOptions, ReporterChoice } from './options.js';
import type { Reporter } from './report/types.js';
import type { CaseResult, FileResult, RunResult } from './result.js';
import { countCases, withEarlierFiles } from './result.js';
import type { PlanFilter } from './plan/types.js';
import { discoverTestFiles } from './run/discover.js';
import { moduleName, testFileKind } from './plan/plan-file.js';
import { compileTestFile } from './run/compile.js';
import { declaredCases, mayHoldSelection, mayMatchGrep } from './run/prefilter.js';
import { emptyButPassing, noTestsReason, onlyLeftNothing, rerunSelectsNothing, type EmptySelection, type OnlySkipped } from './run/no-tests.js';
import { NOT_ONLY } from './plan/node-test.js';
import { interruptReason, runFile } from './run/pool.js';
import { plainFailure } from './run/failure-info.js';
import { updateStore, type CounterexampleStore } from './run/counterexamples.js';
import { failedAfterWholeRun, mergeFailed, storedName, storedSelection, wholeFile, type FailedStore } from './run/failed-store.js';
import { goneCases, withGone } from './run/gone.js';
import { readJsonStore, writeJsonStore } from './run/json-store.js';
import { failedIds, mergeRetry } from './run/retry.js';
import { shardFiles, shuffleWithSeed } from './run/select.js';
import { checkSeedRange } from './run/seed.js';
import type { WorkerJob } from './run/protocol.js';
import { closingLineReporter, ttyReporter } from './report/tty.js';
import { jsonReporter } from './report/json.js';
import { junitReporter } from './report/junit.js';
import { tapReporter } from './report/tap.js';
import { writeRunLogs } from './report/log-tree.js';
import { DEFAULT_KEEP_LOGS } from './report/all-runs.js';
import { numberOptionRefusal, testOptionTable, type TestOptionSpec } from './option-table.js';

// A reporter that writes a file says where, so a CI log shows what to upload.
function reporterOf(choice: ReporterChoice, options: RunOptions, root: string, outDir: string): Reporter {
  const out = options.output ?? process.stdout;
  const wrote = (what: string, path: string): unknown => !options.quiet && out.write(`${what} written to ${relative(root, path).split(sep).join('/')}\n`);
  const toFile = (what: string, name: string) => (text: string): void => {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, name), text);
    wrote(what, join(outDir, name));
  };
  if (choice === 'tty') return ttyReporter(options.output, { quiet: options.quiet === true, verbose: options.verbose === true, ignoreAutoSkips: options.ignoreAutoSkips === true });
  // A rerun's file reports hold every file's latest outcome (the carried ones), not the rerun files alone.
  const latest = (r: Reporter): Reporter => (options.carried === undefined ? r : { onRunEnd: (result) => r.onRunEnd?.(withEarlierFiles(result, options.carried!)) });
  if (choice === 'json') return latest(jsonReporter(toFile('JSON report', 'results.json')));
  if (choice === 'junit') return latest(junitReporter(toFile('JUnit report', 'junit.xml')));
  if (choice === 'tap') return latest(tapReporter(toFile('TAP report', 'results.tap')));
  if (choice === 'html') {
    // Each run adds its own folder to the log tree; earlier runs stay until the bound drops them.
    const logs = join(outDir, 'logs');
    const started = new Date();
    return { onRunEnd: (result) => void wrote('HTML logs', join(writeRunLogs(logs, started, result, options.keepLogs ?? DEFAULT_KEEP_LOGS), 'index.html')) };
  }
  return choice;
}

async function each(reporters: readonly Reporter[], call: (r: Reporter) => void | Promise<void>): Promise<void> {
  for (const r of reporters) await call(r);
}

/** The files of this run, in run order: discovered, dealt to the shard (before any narrowing, so a file's shard never changes), narrowed to the last run's failures and to the files that can hold the filtered cases, then shuffled. */
function selectFiles(root: string, options: RunOptions, failed: FailedStore | undefined, filter: PlanFilter, shuffleSeed: number): Selected {
  const discovered = discoverTestFiles(root, options.paths);
  let files = options.shard ? shardFiles(discovered, options.shard) : discovered;
  const inShard = files.length;
  if (failed) {
    // A failed file since deleted is still visited, to report its cases as gone.
    const gone = options.paths === undefined ? Object.keys(failed).map((f) => join(root, f)).filter((f) => !existsSync(f) && (!options.shard || shardFiles([f], options.shard).length > 0)) : [];
    files = [...files.filter((f) => failed[relative(root, f)] !== undefined), ...gone];
  }
  files = files.filter((f) => !existsSync(f) || mayHoldSelection(f, readFileSync(f, 'utf8'), filter));
  return { discovered, inShard, files: options.shuffle ? shuffleWithSeed(files, shuffleSeed) : files };
}

interface Selected {
  readonly discovered: readonly string[];
  readonly inShard: number;
  readonly files: string[];
}

function planFilter(options: RunOptions): PlanFilter {
  const grep = options.grep === undefined ? undefined : options.grep instanceof RegExp ? options.grep : new RegExp(options.grep);
  return { ...(options.suite && { suite: options.suite }), ...(options.group && { group: options.group }), ...(options.case && { case: options.case }), ...(grep && { grep }) };
}

// The table's bounds, checked for callers of the API by the rule and in the words the CLI and otp.config.ts use
// (numberOptionRefusal): numRuns 0 would pass every property without running it, jobs 0 would run nothing.
function checkNumbers(options: RunOptions): void {
  for (const o of testOptionTable as readonly TestOptionSpec[]) {
    const v = o.name === undefined ? undefined : (options as Record<string, unknown>)[o.name];
    if (v === undefined || o.type !== 'number') continue;
    const refusal = numberOptionRefusal(o, v, `runTests: ${o.name}`, String(v));
    if (refusal !== undefined) throw new RangeError(refusal);
  }
}

/** Runs a project's tests: finds, compiles and runs each file in its own worker, `jobs` at a time; resolves with every case's outcome. */
export async function runTests(options: RunOptions = {}): Promise<RunResult> {
  checkNumbers(options);
  // As `otp test --seed` refuses it: a seed past 32 bits would be silently wrapped to another, replaying nothing the user meant.
  checkSeedRange(options.seed);
  checkSeedRange(options.shuffleSeed);
  const started = performance.now();
  const root = resolve(options.root ?? process.cwd());
  const outDir = join(root, '_build', 'test');
  const failedPath = join(outDir, 'failed.json');
  const storeKept = existsSync(failedPath);
  const lastFailed = readJsonStore<FailedStore>(failedPath);
  const failed = options.rerunFailed ? lastFailed : undefined;
  const shuffleSeed = options.shuffleSeed ?? (Math.random() * 2 ** 31) >>> 0;
  const filter = planFilter(options);
  const selected = selectFiles(root, options, failed, filter, shuffleSeed);
  const files = selected.files;
  const available = new Map<string, readonly string[]>();
  // Common-Test runs write HTML logs unless told otherwise, as ct_run does.
  const withLogs = options.htmlLogs ?? files.some((f) => testFileKind(f) === 'suite');
  const choices = options.reporters ?? ['tty'];
  const all = [...new Set(choices), ...(withLogs && !choices.includes('html') ? ['html' as const] : [])];
  // The tty report comes last, so its closing line stays the last line, after where the other reporters wrote.
  // Without it, the run still closes with its closing line: a CI log shows pass or fail, not only where the reports went.
  const reporters = [...all.filter((c) => c !== 'tty'), ...all.filter((c) => c === 'tty')].map((c) => reporterOf(c, options, root, outDir));
  if (all.every((c) => typeof c === 'string' && c !== 'tty')) reporters.push(closingLineReporter(options.output));
  const storePath = join(outDir, 'counterexamples.json');
  const store = readJsonStore<CounterexampleStore>(storePath);
  await each(reporters, (r) => r.onRunStart?.({ root, files: files.map((f) => relative(root, f)), shuffleSeed, ...(options.shuffle && { shuffled: true }), ...(options.shard && { shard: options.shard }) }));
  let bailed = false;
  const one = async (file: string): Promise<FileResult> => {
    const rel = relative(root, file);
    // After a failure with bail, or once the run is interrupted, the files not started yet still count: as skipped, never as missing.
    if (options.signal?.aborted) return notRun(rel, reporters, `not run: the run was interrupted (${interruptReason(options.signal)})`, true);
    // A file not run after --bail counts as skipped when it may hold a selected case; under --grep one with none holds nothing, as if it had run.
    if (bailed) return filter.grep && existsSync(file) && !mayMatchGrep(file, readFileSync(file, 'utf8'), filter.grep) ? noCases(rel) : notRun(rel, reporters, 'not run: an earlier test failed (--bail)');
    reporters.forEach((r) => r.onFileStart?.(rel));
    if (!existsSync(file)) return goneCases(rel, [...new Set((failed?.[rel] ?? []).map(storedName))], reporters);
    const compiled = await compileTestFile(root, file, outDir);
    options.importGraph?.record(file, compiled.ok ? compiled.inputs : undefined);
    const stored = failed?.[rel];
    const narrowed = stored && !wholeFile(rel, stored) ? { ...filter, ...storedSelection(stored) } : filter;
    const names = stored && [...new Set(stored.map(storedName))];
    const ran: FileResult = compiled.ok
      ? await runWithRetries({ root, file: rel, bundle: compiled.bundle, exportOrder: compiled.exportOrder, filter: narrowed, timeoutMs: options.timeoutMs, config: options.config ?? {}, shuffleSeed, numRuns: options.numRuns, seed: options.seed, ...(options.path !== undefined && { path: options.path }), knownSeeds: store[rel] ?? {}, replayCommand: options.replayCommand ?? 'otp test', missing: compiled.missing }, options, reporters, (a) => available.set(rel, a))
      : compileFailure(rel, compiled.text, reporters);
    const result = names && available.has(rel) ? withGone(ran, names.filter((n) => n !== rel && !available.get(rel)!.includes(n)), reporters) : ran;
    reporters.forEach((r) => r.onFileEnd?.(result));
    if (options.bail && result.cases.some((c) => c.status === 'failed')) bailed = true;
    return result;
  };
  const results = (await pool(files, Math.max(1, options.jobs ?? availableParallelism()), one)).filter((r) => !leftOut.has(r));
  writeJsonStore(storePath, updateStore(store, results));
  // A partial run (paths, shard, filters, a rerun) keeps the failures it did not reach, so a later --rerun-failed still finds them.
  const interrupted = options.signal?.aborted ? interruptReason(options.signal) : undefined;
  const partial = options.paths !== undefined || options.shard !== undefined || options.rerunFailed || Object.keys(filter).length > 0 || bailed || interrupted !== undefined;
  writeJsonStore(failedPath, partial ? mergeFailed(lastFailed, results, {}, available) : failedAfterWholeRun(lastFailed, results, available));
  const cases = results.flatMap((f) => f.cases);
  const counts = countCases(cases);
  const selection = counts.total === 0 && interrupted === undefined ? emptySelection(root, options, selected, filter, failed, storeKept) : undefined;
  const empty = selection && { ...selection, candidates: candidatesOf(root, selected, available) };
  const nothingToRun = empty && (emptyButPassing(empty) ?? rerunOfSession(root, options, results, selected.discovered, filter));
  const emptyReason = empty && nothingToRun === undefined && !options.passWithNoTests ? noTestsReason(empty) : undefined;
  // Tests the filters selected that `only` then skipped: the run checked nothing, as when the filters select nothing.
  const onlySkipped = counts.passed === 0 && counts.failed === 0 && interrupted === undefined && !options.passWithNoTests ? onlyLeftNothing(filter, options.rerunFailed === true, onlySkippedIn(results)) : undefined;
  const noTests = emptyReason ?? onlySkipped;
  // Cases skipped because an init function failed (Common Test's auto-skip) fail the run, as in ct_run and rebar3,
  // unless ignoreAutoSkips (ct_run -exit_status ignore_config): the failed init is a failed case of its own anyway.
  const autoSkipsIgnored = options.ignoreAutoSkips === true && cases.some((c) => c.autoSkipped);
  const ok = counts.failed === 0 && (autoSkipsIgnored || !cases.some((c) => c.autoSkipped)) && noTests === undefined && interrupted === undefined;
  const result: RunResult = { ok, counts, ...(autoSkipsIgnored && { autoSkipsIgnored: true }), files: results, durationMs: performance.now() - started, shuffleSeed, ...(noTests !== undefined && { noTests }), ...(nothingToRun !== undefined && { nothingToRun }), ...(interrupted !== undefined && { interrupted }) };
  await each(reporters, (r) => r.onRunEnd?.(result));
  return result;
}

// A watch rerun (`carried`) that selected no test while the session's other files ran some: nothing to rerun, said as such.
function rerunOfSession(root: string, options: RunOptions, results: readonly FileResult[], files: readonly string[], filter: PlanFilter): string | undefined {
  const rerun = new Set(results.map((f) => f.file));
  const ranElsewhere = options.carried?.some((f) => !rerun.has(f.file) && f.cases.some((c) => c.status === 'passed' || c.status === 'failed'));
  return ranElsewhere ? rerunSelectsNothing(filter, files.map((f) => relative(root, f))) : undefined;
}

// Runs a file, then its failed cases again up to `retry` times. Under --retry, reporters hear of the file's cases once
// its last attempt is known, each case once with its final outcome: a retry can change any case, not only a failed one
// (an auto-skipped case runs again, a passed one below a configuration function that failed once becomes flaky).
async function runWithRetries(job: Omit<WorkerJob, 'done'>, options: RunOptions, reporters: readonly Reporter[], onAvailable?: (names: readonly string[]) => void): Promise<FileResult> {
  const retry = Math.max(0, options.retry ?? 0);
  const memory = { ...(options.workerMemoryMb !== undefined && { memoryMb: options.workerMemoryMb }), ...(options.workerExecArgv && { execArgv: options.workerExecArgv }), ...(options.signal && { signal: options.signal }) };
  const tell = (c: CaseResult): void => reporters.forEach((r) => r.onCaseEnd?.(c));
  let result = await runFile(job, {
    ...memory,
    ...(onAvailable && { onAvailable }),
    onCase: (c) => {
      if (retry === 0) tell(c);
    },
  });
  for (let attempt = 2; attempt <= retry + 1; attempt++) {
    const ids = failedIds(result);
    if (ids === undefined || options.signal?.aborted) break;
    // A file that failed as a whole (its exit code, an error no case caused) runs whole again: any case may have done it.
    const again = await runFile({ ...job, filter: ids === 'file' ? job.filter : { ...job.filter, ids }, knownSeeds: withCounterexamples(job.knownSeeds, result) }, memory);
    result = mergeRetry(result, again, attempt, options.failOnFlaky ?? false);
  }
  if (retry > 0) result.cases.forEach(tell);
  return result;
}

// A property's counterexample proves a bug, not bad luck: a retry checks it again before drawing a new seed, so only a
// failure that does not reproduce can be flaky (without it, a retry's fresh seed would often miss the value and pass).
function withCounterexamples(known: WorkerJob['knownSeeds'], result: FileResult): WorkerJob['knownSeeds'] {
  const out = { ...known };
  for (const c of result.cases) {
    const f = c.status === 'failed' ? c.property?.failure : undefined;
    if (f) out[c.path.join(' > ')] = [{ seed: f.seed, numRuns: f.maxRuns ?? f.numRuns }, ...(known[c.path.join(' > ')] ?? [])];
  }
  return out;
}

// The tests `only` skipped, by file, to name them when that left the run with nothing.
const onlySkippedIn = (results: readonly FileResult[]): OnlySkipped[] =>
  results.flatMap((f) => {
    const tests = f.cases.filter((c) => c.skipReason === NOT_ONLY).map((c) => c.path.join(' > '));
    return tests.length > 0 ? [{ file: f.file, tests }] : [];
  });

// Files left out of the results: not run after --bail, and holding no case the filter selects.
const leftOut = new WeakSet<FileResult>();
const noCases = (file: string): FileResult => {
  const r = { file, cases: [], durationMs: 0, warnings: [], output: '' };
  leftOut.add(r);
  return r;
};

function notRun(file: string, reporters: readonly Reporter[], skipReason: string, interrupted = false): FileResult {
  const c = { id: 'file', file, name: file, path: [file], status: 'skipped' as const, durationMs: 0, skipReason, ...(interrupted && { interrupted }) };
  reporters.forEach((r) => r.onCaseEnd?.(c));
  return { file, cases: [c], durationMs: 0, warnings: [], output: '' };
}

// The cases the filters chose from: those the workers planned, and those the files not compiled declare.
const candidatesOf = (root: string, selected: Selected, available: ReadonlyMap<string, readonly string[]>): string[] =>
  selected.discovered.flatMap((f) => available.get(relative(root, f)) ?? declaredCases(f, readFileSync(f, 'utf8')).map((e) => `${moduleName(f)} > ${e}`));

// The stored failures of the discovered files (in any shard), by full name; a file that failed as a whole stands for its cases.
const storedIn = (root: string, discovered: readonly string[], failed: FailedStore): string[] =>
  discovered.flatMap((f) => {
    const rel = relative(root, f);
    return (failed[rel] ?? []).map(storedName).flatMap((n) => (n === rel && existsSync(f) ? declaredCases(f, readFileSync(f, 'utf8')).map((e) => `${moduleName(f)} > ${e}`) : [n]));
  });

// What a run that selected nothing selected from (its candidates, the cases of every discovered file, are filled in after).
function emptySelection(root: string, options: RunOptions, selected: Selected, filter: PlanFilter, failed: FailedStore | undefined, storeKept: boolean): EmptySelection {
  return {
    ...(options.paths !== undefined && { paths: options.paths }),
    discovered: selected.discovered.length,
    ...(failed && { rerunFailed: { stored: Object.values(failed).flat().length, kept: storeKept, names: storedIn(root, selected.discovered, failed) } }),
    ...(options.shard && { shard: { shard: options.shard, files: selected.inShard } }),
    filter,
    candidates: [],
  };
}

function compileFailure(file: string, text: string, reporters: readonly Reporter[]): FileResult {
  const c = { id: 'file', file, name: file, path: [file], status: 'failed' as const, durationMs: 0, failure: plainFailure(text) };
  reporters.forEach((r) => r.onCaseEnd?.(c));
  return { file, cases: [c], durationMs: 0, warnings: [], output: '' };
}

// Runs `fn` over `items` with at most `limit` at a time; results in the items' order.
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}
