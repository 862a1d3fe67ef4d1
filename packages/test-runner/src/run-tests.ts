import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { RunOptions, ReporterChoice } from './options.js';
import type { Reporter } from './report/types.js';
import type { CaseResult, FileResult, RunResult } from './result.js';
import { countCases } from './result.js';
import type { PlanFilter } from './plan/types.js';
import { discoverTestFiles } from './run/discover.js';
import { testFileKind } from './plan/plan-file.js';
import { compileTestFile } from './run/compile.js';
import { runFile } from './run/pool.js';
import { plainFailure } from './run/failure-info.js';
import { updateStore, type CounterexampleStore } from './run/counterexamples.js';
import { failedCases, type FailedStore } from './run/failed-store.js';
import { readJsonStore, writeJsonStore } from './run/json-store.js';
import { failedIds, mergeRetry } from './run/retry.js';
import { shardFiles, shuffleWithSeed } from './run/select.js';
import type { WorkerJob } from './run/protocol.js';
import { ttyReporter } from './report/tty.js';
import { jsonReporter } from './report/json.js';
import { junitReporter } from './report/junit.js';
import { logTreeReporter } from './report/log-tree.js';
import { DEFAULT_KEEP_LOGS } from './report/all-runs.js';

function reporterOf(choice: ReporterChoice, options: RunOptions, outDir: string): Reporter {
  const toFile = (name: string) => (text: string): void => {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, name), text);
  };
  if (choice === 'tty') return ttyReporter(options.output);
  if (choice === 'json') return jsonReporter(toFile('results.json'));
  if (choice === 'junit') return junitReporter(toFile('junit.xml'));
  // Each run adds its own folder to the log tree; earlier runs stay until the bound drops them.
  if (choice === 'html') return logTreeReporter(join(outDir, 'logs'), options.keepLogs ?? DEFAULT_KEEP_LOGS);
  return choice;
}

async function each(reporters: readonly Reporter[], call: (r: Reporter) => void | Promise<void>): Promise<void> {
  for (const r of reporters) await call(r);
}

/** The files of this run, in run order: discovered, narrowed to the last run's failures and to the shard, then shuffled. */
function selectFiles(root: string, options: RunOptions, failed: FailedStore | undefined, shuffleSeed: number): string[] {
  let files = discoverTestFiles(root, options.paths);
  if (failed) files = files.filter((f) => failed[relative(root, f)] !== undefined);
  if (options.shard) files = shardFiles(files, options.shard);
  return options.shuffle ? shuffleWithSeed(files, shuffleSeed) : files;
}

function planFilter(options: RunOptions): PlanFilter {
  const grep = options.grep === undefined ? undefined : options.grep instanceof RegExp ? options.grep : new RegExp(options.grep);
  return { ...(options.suite && { suite: options.suite }), ...(options.group && { group: options.group }), ...(options.case && { case: options.case }), ...(grep && { grep }) };
}

/** Runs a project's tests: finds, compiles and runs each file in its own worker, `jobs` at a time; resolves with every case's outcome. */
export async function runTests(options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const root = resolve(options.root ?? process.cwd());
  const outDir = join(root, '_build', 'test');
  const failedPath = join(outDir, 'failed.json');
  const failed = options.rerunFailed ? readJsonStore<FailedStore>(failedPath) : undefined;
  const shuffleSeed = options.shuffleSeed ?? (Math.random() * 2 ** 31) >>> 0;
  const files = selectFiles(root, options, failed, shuffleSeed);
  // Common-Test runs write HTML logs unless told otherwise, as ct_run does.
  const withLogs = options.htmlLogs ?? files.some((f) => testFileKind(f) === 'suite');
  const choices = options.reporters ?? ['tty'];
  const reporters = [...choices, ...(withLogs && !choices.includes('html') ? ['html' as const] : [])].map((c) => reporterOf(c, options, outDir));
  const storePath = join(outDir, 'counterexamples.json');
  const store = readJsonStore<CounterexampleStore>(storePath);
  const filter = planFilter(options);
  await each(reporters, (r) => r.onRunStart?.({ root, files: files.map((f) => relative(root, f)), shuffleSeed, ...(options.shuffle && { shuffled: true }), ...(options.shard && { shard: options.shard }) }));
  let bailed = false;
  const one = async (file: string): Promise<FileResult> => {
    const rel = relative(root, file);
    // After a failure with bail, the files not started yet still count: as skipped, never as missing.
    if (bailed) return notRun(rel, reporters);
    reporters.forEach((r) => r.onFileStart?.(rel));
    const compiled = await compileTestFile(root, file, outDir);
    options.importGraph?.record(file, compiled.ok ? compiled.inputs : undefined);
    const ids = failed?.[rel];
    const result: FileResult = compiled.ok
      ? await runWithRetries({ root, file: rel, bundle: compiled.bundle, exportOrder: compiled.exportOrder, filter: ids ? { ...filter, ids } : filter, timeoutMs: options.timeoutMs, config: options.config ?? {}, shuffleSeed, numRuns: options.numRuns, seed: options.seed, knownSeeds: store[rel] ?? {}, replayCommand: options.replayCommand ?? 'otp test' }, options, reporters)
      : compileFailure(rel, compiled.text, reporters);
    reporters.forEach((r) => r.onFileEnd?.(result));
    if (options.bail && result.cases.some((c) => c.status === 'failed')) bailed = true;
    return result;
  };
  const results = await pool(files, Math.max(1, options.jobs ?? availableParallelism()), one);
  writeJsonStore(storePath, updateStore(store, results));
  writeJsonStore(failedPath, failedCases(results));
  const counts = countCases(results.flatMap((f) => f.cases));
  const result: RunResult = { ok: counts.failed === 0, counts, files: results, durationMs: performance.now() - started, shuffleSeed };
  await each(reporters, (r) => r.onRunEnd?.(result));
  return result;
}

// Runs a file, then its failed cases again up to `retry` times; reporters hear of a failed case only once its last attempt is known.
async function runWithRetries(job: Omit<WorkerJob, 'done'>, options: RunOptions, reporters: readonly Reporter[]): Promise<FileResult> {
  const retry = Math.max(0, options.retry ?? 0);
  const memory = { ...(options.workerMemoryMb !== undefined && { memoryMb: options.workerMemoryMb }), ...(options.workerExecArgv && { execArgv: options.workerExecArgv }) };
  const tell = (c: CaseResult): void => reporters.forEach((r) => r.onCaseEnd?.(c));
  let result = await runFile(job, {
    ...memory,
    onCase: (c) => {
      if (retry === 0 || c.status !== 'failed') tell(c);
    },
  });
  for (let attempt = 2; attempt <= retry + 1; attempt++) {
    const ids = failedIds(result);
    if (ids.length === 0) break;
    const again = await runFile({ ...job, filter: { ...job.filter, ids } }, memory);
    result = mergeRetry(result, again, attempt, options.failOnFlaky ?? false);
  }
  if (retry > 0) result.cases.filter((c) => c.status === 'failed' || c.flaky).forEach(tell);
  return result;
}

function notRun(file: string, reporters: readonly Reporter[]): FileResult {
  const c = { id: 'file', file, name: file, path: [file], status: 'skipped' as const, durationMs: 0, skipReason: 'not run: an earlier test failed (--bail)' };
  reporters.forEach((r) => r.onCaseEnd?.(c));
  return { file, cases: [c], durationMs: 0, warnings: [], output: '' };
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
