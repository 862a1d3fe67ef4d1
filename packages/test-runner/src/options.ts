import type { Output, Reporter } from './report/types.js';
import type { FileResult } from './result.js';
import type { Shard } from './run/select.js';
import type { ImportGraph } from './run/import-graph.js';
import type { TableRunOptions } from './option-table.js';

/** A reporter by name (written to the run's output or to `_build/test/`), or a reporter object. */
export type ReporterChoice = 'tty' | 'json' | 'junit' | 'tap' | 'html' | Reporter;

/** The runner's options that are only programmatic: no `otp test` flag or otp.config.ts key sets them. */
export interface RunApiOptions {
  /** The project root: files are found under it and reported relative to it; output goes to `<root>/_build/test/`. Default: cwd. */
  root?: string;
  /** Keep only cases whose full name (`module > group > case`) matches (a string is read as a regular expression). */
  grep?: string | RegExp;
  /** Run only one deterministic part of the files, e.g. `{ index: 1, count: 4 }` for CI machine 1 of 4 (`--shard 1/4`). */
  shard?: Shard;
  /** Reporters (default: tty). `json` writes `_build/test/results.json`, `junit` writes `_build/test/junit.xml`, `tap` writes `_build/test/results.tap`, `html` adds a run to `_build/test/logs/`; without `tty` (and no reporter of your own) the closing line is still written to `output`. */
  reporters?: readonly ReporterChoice[];
  /** Test files or folders to run (default: every `*.test.ts` / `*.suite.ts` under the root). */
  paths?: readonly string[];
  /** Config given to `initPerSuite` and checked against `suite().require`. */
  config?: Readonly<Record<string, unknown>>;
  /** Write HTML logs into `_build/test/logs/run.<time>/`, listed in `_build/test/logs/index.html` (default: when a `*.suite.ts` file runs). */
  htmlLogs?: boolean;
  /** Errors only (`otp test -q`): the tty reporter prints the failures and the closing line, and the reporters that write files do not say where. */
  quiet?: boolean;
  /** The tty reporter prints each failure's full stack too (`otp test --verbose`); by default it shows the test's own frames only. */
  verbose?: boolean;
  /** Where the tty reporter (or, without it, the closing line) writes (default: process.stdout). */
  output?: Output;
  /** Node options of each worker (default: none), e.g. a loader that tests hand on to child processes through `process.execArgv`. */
  workerExecArgv?: readonly string[];
  /** Heap limit of each worker in MB (default: Node's). */
  workerMemoryMb?: number;
  /** Filled with the files each test file is built from, refreshed on every build of it (what `--watch` reruns by). */
  importGraph?: ImportGraph;
  /** The command replay hints start with (default: `otp test`). */
  replayCommand?: string;
  /** The latest results of files this run does not run, which its JSON and JUnit reports carry on with this run's (`otp test --watch`: every file's latest outcome); a file run again is reported as it ran now. */
  carried?: readonly FileResult[];
  /** Interrupts the run when aborted (its reason, e.g. `'SIGINT'`, names why): no file starts, running workers are terminated, the cases that did not finish are reported as skipped, and the result has `interrupted`. */
  signal?: AbortSignal;
}

/**
 * Options of `runTests`; every one is optional. Those of `testOptionTable` (suite, group, case, jobs, timeoutMs,
 * numRuns, seed, shuffle, retry, keepLogs, ...: see its descriptions) are derived from it; grep, shard, reporters
 * and paths take richer values here than a flag or a config key can give (a RegExp, a parsed shard, reporter objects).
 */
export type RunOptions = Omit<TableRunOptions, keyof RunApiOptions> & RunApiOptions;
