import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunOptions, ReporterChoice } from './options.js';
import type { Reporter } from './report/types.js';
import type { FileResult, RunResult } from './result.js';
import { countCases } from './result.js';
import { discoverTestFiles } from './run/discover.js';
import { testFileKind } from './plan/plan-file.js';
import { compileTestFile } from './run/compile.js';
import { runFile } from './run/pool.js';
import { plainFailure } from './run/failure-info.js';
import { readStore, updateStore, writeStore } from './run/counterexamples.js';
import { ttyReporter } from './report/tty.js';
import { jsonReporter } from './report/json.js';
import { junitReporter } from './report/junit.js';
import { htmlReporter } from './report/html.js';

function reporterOf(choice: ReporterChoice, options: RunOptions, outDir: string): Reporter {
  const toFile = (name: string) => (text: string): void => {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, name), text);
  };
  if (choice === 'tty') return ttyReporter(options.output);
  if (choice === 'json') return jsonReporter(toFile('results.json'));
  if (choice === 'junit') return junitReporter(toFile('junit.xml'));
  if (choice === 'html') {
    const logs = join(outDir, 'logs');
    rmSync(logs, { recursive: true, force: true });
    return htmlReporter((path, html) => {
      mkdirSync(dirname(join(logs, path)), { recursive: true });
      writeFileSync(join(logs, path), html);
    });
  }
  return choice;
}

async function each(reporters: readonly Reporter[], call: (r: Reporter) => void | Promise<void>): Promise<void> {
  for (const r of reporters) await call(r);
}

/** Runs a project's tests: finds, compiles and runs each file in its own worker, `jobs` at a time; resolves with every case's outcome. */
export async function runTests(options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const root = resolve(options.root ?? process.cwd());
  const outDir = join(root, '_build', 'test');
  const files = discoverTestFiles(root, options.paths);
  // Common-Test runs write HTML logs unless told otherwise, as ct_run does.
  const withLogs = options.htmlLogs ?? files.some((f) => testFileKind(f) === 'suite');
  const choices = options.reporters ?? ['tty'];
  const reporters = [...choices, ...(withLogs && !choices.includes('html') ? ['html' as const] : [])].map((c) => reporterOf(c, options, outDir));
  const shuffleSeed = options.shuffleSeed ?? (Math.random() * 2 ** 31) >>> 0;
  const storePath = join(outDir, 'counterexamples.json');
  const store = readStore(storePath);
  const grep = options.grep === undefined ? undefined : options.grep instanceof RegExp ? options.grep : new RegExp(options.grep);
  const filter = { ...(options.suite && { suite: options.suite }), ...(options.group && { group: options.group }), ...(options.case && { case: options.case }), ...(grep && { grep }) };
  await each(reporters, (r) => r.onRunStart?.({ root, files: files.map((f) => relative(root, f)), shuffleSeed }));
  let bailed = false;
  const one = async (file: string): Promise<FileResult> => {
    const rel = relative(root, file);
    // After a failure with bail, the files not started yet still count: as skipped, never as missing.
    if (bailed) return notRun(rel, reporters);
    reporters.forEach((r) => r.onFileStart?.(rel));
    const compiled = await compileTestFile(root, file, outDir);
    const result: FileResult = compiled.ok
      ? await runFile(
        { file: rel, bundle: compiled.bundle, exportOrder: compiled.exportOrder, filter, timeoutMs: options.timeoutMs, config: options.config ?? {}, shuffleSeed, numRuns: options.numRuns, seed: options.seed, knownSeeds: store[rel] ?? {}, replayCommand: options.replayCommand ?? 'otp test' },
        { ...(options.workerMemoryMb !== undefined && { memoryMb: options.workerMemoryMb }), onCase: (c) => reporters.forEach((r) => r.onCaseEnd?.(c)) },
      )
      : compileFailure(rel, compiled.text, reporters);
    reporters.forEach((r) => r.onFileEnd?.(result));
    if (options.bail && result.cases.some((c) => c.status === 'failed')) bailed = true;
    return result;
  };
  const results = await pool(files, Math.max(1, options.jobs ?? availableParallelism()), one);
  writeStore(storePath, updateStore(store, results));
  const counts = countCases(results.flatMap((f) => f.cases));
  const result: RunResult = { ok: counts.failed === 0, counts, files: results, durationMs: performance.now() - started };
  await each(reporters, (r) => r.onRunEnd?.(result));
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
