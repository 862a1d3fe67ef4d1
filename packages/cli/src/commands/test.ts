import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import {
  affectedTests, CoverageSourceError, ImportGraph, numberOptionRefusal, parseShard, reportCoverage, runOptionsFrom, runTests, testOptionTable, TestPathError, SeedRangeError, checkSeedRange,
  type CoverageSummary, type CoverThresholds, type FileChange, type FileResult, type RunOptions, type Shard, type TestOptionSpec, type TestOptionTable,
} from '@otp-ts/test-runner';
import { info, type Io } from '../cli/io.js';
import { usageError } from '../cli/validate-args.js';
import { holdClosingLine, type ClosingLineHolder } from '../cli/closing-line.js';
import { defineProvider, type OptionSpec } from '../cli/provider.js';
import { OtpError } from '../errors/otp-error.js';
import type { TestConfig } from '../config/types.js';
import type { Project } from '../project/find.js';
import { watchProject, type WatchEvent } from '../project/watch.js';
import { checkInstalled } from '../project/installed.js';

/** A flag of `otp test` derived from a row of the test option table, typed as the row is. */
type TableFlag<S> = S extends { flag: infer F extends string; type: infer T extends 'string' | 'number' | 'boolean' | 'array' }
  ? { name: F; type: T; description: string; alias?: string; value?: string; min?: number; integer?: boolean; knownAs?: readonly string[] } & (S extends { choices: infer C extends readonly string[] } ? { choices: C } : unknown)
  : never;

// Other test tools' words for the runner's flags (mocha, jest, vitest, playwright, node --test): typed, the refusal names ours.
const otherToolsWords: Readonly<Record<string, readonly string[]>> = {
  grep: ['only', 'filter', 'match', 'test-name-pattern', 'testNamePattern'],
  retry: ['retries'],
  jobs: ['workers', 'max-workers', 'maxWorkers', 'parallel', 'concurrency'],
  timeout: ['test-timeout', 'testTimeout'],
  numtests: ['num-runs', 'numRuns', 'runs'],
};

/** The flags of `otp test` that set runner options: one per flag of testOptionTable (`--seed` sets two). */
export const testTableFlags = (testOptionTable as readonly TestOptionSpec[]).flatMap((o, i, all) => {
  if (o.flag === undefined || all.findIndex((x) => x.flag === o.flag) !== i || o.type === 'thresholds') return [];
  // A flag takes the values its config key takes, refused in the same words (`--jobs 0` as `jobs: 0`): checkTableNumbers.
  return [{ name: o.flag, type: o.type, description: o.description, ...(o.alias && { alias: o.alias }), ...(o.value && { value: o.value }), ...(o.choices && { choices: o.choices }), ...(otherToolsWords[o.flag] && { knownAs: otherToolsWords[o.flag] }) }];
}) as unknown as ReadonlyArray<TableFlag<TestOptionTable[number]>>;

/** The flags of `otp test` that are the command's own, not the runner's. */
const commandFlags = [
  { name: 'watch', alias: 'w', type: 'boolean', description: 'run the tests again whenever a source or test file changes' },
  { name: 'cover', type: 'boolean', description: 'collect coverage (c8), mapped to the TypeScript sources: a table, plus HTML and lcov under _build/test/coverage/ (shard-K-of-N/ with --shard)' },
  { name: 'cover-threshold', type: 'number', value: 'PCT', description: 'with --cover (refused without it), fail when line coverage is below PCT percent (0 to 100)' },
] as const satisfies readonly OptionSpec[];

/** `otp test`: EUnit-style, Common-Test-style and property tests, each file in its own worker. */
export const testCommand = defineProvider({
  name: 'test',
  description: 'Run the tests: *.test.ts (EUnit style), *.suite.ts (Common Test style) and prop* properties, each file in a fresh runtime.',
  deps: [],
  // `--shard 1/2 --shard 2/2` or `--retry 2 --retry 0`: refused, not run with the last one without a word (lists such as --reporter add up).
  once: true,
  positionals: [{ name: 'paths', description: 'test files or folders, from the current folder or the project root (default: all of them)', variadic: true }],
  options: [...testTableFlags, ...commandFlags],
  examples: [
    { command: 'otp test', description: 'every test of the project' },
    { command: 'otp test test/shop_server.property.test.ts --case propCountIsSumOfBumps --seed 42', description: 'one property of the project otp new app shop makes, replaying a seed' },
    { command: 'otp test --cover --cover-threshold 80', description: 'coverage of src/, failing under 80% of lines' },
    { command: 'otp test --shard 2/4 --shuffle --retry 2', description: 'CI machine 2 of 4, files in random order, failures retried twice' },
    { command: 'otp test --ignore-auto-skips', description: 'suites whose required config this machine lacks are skipped, not failed' },
  ],
  async run(args, io, state) {
    // The test profile, read by the runtime in each test file's worker: message isolation on (docs/runtime.md).
    process.env.OTP_PROFILE ??= 'test';
    const project = state.project();
    checkInstalled(project.root);
    const { config } = await state.config();
    // Only what otp.config.ts sets (top level, then the test profile) overrides the runner's defaults; flags override both.
    const set: TestConfig = { ...config.test, ...config.profiles?.test?.test };
    checkTableNumbers(args);
    checkThresholdFlag(args.cover, args['cover-threshold']);
    checkSeed(args.seed);
    checkReplayPath(args.path, args.seed);
    checkShardThreshold(args.cover, args.shard, args['cover-threshold'], set.cover);
    if (args.cover && io.env.NODE_V8_COVERAGE === undefined) return runCovered(project.root, set, args['cover-threshold'], io, args.watch, args.shard);
    const paths = pathsFromCwd(args.paths, io.cwd, project.root);
    const options = { ...runOptionsOf(project.root, set, { ...args, ...(paths && { paths }) }), output: io.stdout, importGraph: new ImportGraph(), ...(io.verbosity === 'quiet' && { quiet: true }), ...(io.verbosity === 'verbose' && { verbose: true }) };
    // Ctrl-C or a CI job's cancellation ends the run with a report of what ran (a second signal stops at once); --watch keeps Ctrl-C's default.
    const stop = args.watch ? undefined : onStopSignals(io);
    const result = await runTests({ ...options, ...(stop && { signal: stop.signal }) }).catch((error: unknown) => {
      throw error instanceof TestPathError ? new OtpError('usage', error.message) : error;
    }).finally(() => stop?.dispose());
    if (result.interrupted !== undefined) return signalExitCode(result.interrupted);
    // The coverage child tells its parent that the tests ran, whatever its reporters printed: only then is coverage reported and checked.
    const ranFile = io.env[COVER_RAN_ENV];
    if (ranFile !== undefined) {
      mkdirSync(dirname(ranFile), { recursive: true });
      // A run that ran no test (an empty selection) measured only what loading the files ran: nothing to report.
      writeFileSync(ranFile, result.counts.total === 0 && !args.watch ? NOTHING_RAN : 'ran\n');
    }
    if (result.noTests !== undefined && !args.watch) throw new OtpError('failed', result.noTests);
    if (!args.watch) return result.ok ? 0 : 1;
    return watchTests(project, options, io, result.files);
  },
});

/**
 * The test paths as given in a folder of the project (`otp test server.test.ts` in test/): each one that
 * names something from there, absolute; the others as they are, from the project's root, as the replay
 * commands a run prints and otp.config.ts's test.paths name them.
 */
function pathsFromCwd(paths: readonly string[] | undefined, cwd: string, root: string): readonly string[] | undefined {
  if (paths === undefined || cwd === root) return paths;
  return paths.map((p) => (!/[*?]/.test(p) && existsSync(resolve(cwd, p)) ? resolve(cwd, p) : p));
}

/** Refuses a number flag of the test option table out of its range, by the rule and in the words of its otp.config.ts key. */
function checkTableNumbers(args: Readonly<Record<string, unknown>>): void {
  for (const o of testOptionTable as readonly TestOptionSpec[]) {
    if (o.type !== 'number' || o.flag === undefined || args[o.flag] === undefined) continue;
    const refusal = numberOptionRefusal(o, args[o.flag], `--${o.flag}`, `'${String(args[o.flag])}'`);
    if (refusal !== undefined) throw usageError(refusal, 'test');
  }
}

/** Refuses a --cover-threshold that could not be met or would not be checked: without --cover nothing measures coverage, and a run must not pass a threshold it never held coverage against. */
function checkThresholdFlag(cover: boolean, threshold: number | undefined): void {
  if (threshold === undefined) return;
  if (threshold < 0 || threshold > 100) throw new OtpError('usage', `--cover-threshold must be a percentage from 0 to 100, got ${threshold}`);
  if (!cover) throw new OtpError('usage', `--cover-threshold ${threshold} needs --cover, which measures the coverage it checks: add --cover`);
}

/** Refuses a --seed outside the 32-bit seeds a run prints and replays (the runner's range, which runTests refuses too): a larger one would be wrapped to another seed. */
function checkSeed(seed: number | undefined): void {
  try {
    checkSeedRange(seed);
  } catch (error) {
    throw error instanceof SeedRangeError ? new OtpError('usage', error.message) : error;
  }
}

/** Refuses --path without --seed: fast-check's replay path walks the shrinking of one seed's failure, so with a random seed it replays nothing. */
function checkReplayPath(path: string | undefined, seed: number | undefined): void {
  if (path !== undefined && seed === undefined) throw new OtpError('usage', `--path ${path} replays a property failure from its seed: add the --seed S the failure printed (its replay command gives both)`);
}

/** Refuses a coverage threshold on one shard: a shard measures its own tests only (the other shards' sources at 0 %), so the threshold would fail or pass on a part of the figure. */
function checkShardThreshold(cover: boolean, shard: string | undefined, flag: number | undefined, config: CoverThresholds | undefined): void {
  if (!cover || shard === undefined) return;
  const from = flag !== undefined ? `--cover-threshold ${flag}` : Object.keys(config ?? {}).length > 0 ? "otp.config.ts's test.cover thresholds" : undefined;
  if (from !== undefined) throw new OtpError('usage', `${from} cannot be checked with --shard ${shard}: a shard's coverage counts only its own tests; check the threshold on a run without --shard`);
}

/** The runner's options from otp.config.ts's test values and the command line, the flags' text turned into the runner's values. */
function runOptionsOf(root: string, set: TestConfig, args: Record<string, unknown>): RunOptions {
  const given = { ...args, grep: grepOf(args.grep as string | undefined), shard: shardOf(args.shard as string | undefined) };
  return { ...(runOptionsFrom(set, given) as RunOptions), root };
}

function grepOf(text: string | undefined): RegExp | undefined {
  if (text === undefined) return undefined;
  try {
    return new RegExp(text);
  } catch (error) {
    throw new OtpError('usage', `--grep ${text} is not a regular expression`, { cause: error });
  }
}

function shardOf(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const shard = parseShard(text);
  if (!shard.ok) throw new OtpError('usage', shard.error);
  return shard.shard;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The environment variable naming the file the coverage child writes once its tests ran to the end (not interrupted, no usage error). */
const COVER_RAN_ENV = 'OTP_TEST_COVER_RAN';

/** What the coverage child writes to that file when the tests ran to the end but no test ran. */
const NOTHING_RAN = 'no test ran\n';

/** The exit code of a run stopped by `signal`, as a shell reports a process the signal ended: 128 + its number (130 for SIGINT). */
function signalExitCode(signal: string): number {
  const n = (constants.signals as Record<string, number | undefined>)[signal];
  return n === undefined ? 1 : 128 + n;
}

/** Turns the first SIGINT or SIGTERM into an abort of the run (its reason: the signal's name); a second one exits at once. */
function onStopSignals(io: Io): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const on = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signalExitCode(signal));
    io.stderr.write(`otp: ${signal}: stopping the tests and reporting what ran (${signal} again stops at once)\n`);
    controller.abort(signal);
  };
  for (const s of STOP_SIGNALS) process.on(s, on);
  return { signal: controller.signal, dispose: () => STOP_SIGNALS.forEach((s) => process.off(s, on)) };
}

/** Runs the child that measures coverage, its report streamed as it comes (the closing line held back); SIGINT and SIGTERM are handed on to it (in a process group of its own, so Ctrl-C reaches it once). */
function runCoverageChild(io: Io, rawDir: string, ranFile: string, out: ClosingLineHolder): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
      cwd: io.cwd,
      env: { ...io.env, NODE_V8_COVERAGE: rawDir, [COVER_RAN_ENV]: ranFile },
      stdio: ['inherit', 'pipe', 'inherit'],
      detached: process.platform !== 'win32',
    });
    let forwarded = false;
    const forward = (signal: NodeJS.Signals): void => void ((forwarded = true), child.kill(signal));
    for (const s of STOP_SIGNALS) process.on(s, forward);
    child.stdout.setEncoding('utf8').on('data', (d: string) => out.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const s of STOP_SIGNALS) process.off(s, forward);
      // A signal from elsewhere (the kernel's out-of-memory killer, a kill -9) ended the run before its report: say so.
      if (signal && !forwarded) io.stderr.write(`otp: the tests' process (--cover runs them in a child process) was killed by ${signal} before the run ended (out of memory?): no report and no coverage; run otp test without --cover to see the results\n`);
      resolve(code ?? (signal ? signalExitCode(signal) : 1));
    });
  });
}

// V8 collects coverage only when the process starts with NODE_V8_COVERAGE: run the tests in a child that does,
// then map what it collected and hold it against the thresholds.
async function runCovered(root: string, set: TestConfig, threshold: number | undefined, io: Io, watching: boolean, shardText: string | undefined): Promise<number> {
  // Each shard reports to a folder of its own, so the shards of one checkout never overwrite each other's report.
  const shard = shardOf(shardText);
  const reportsDirectory = join(root, '_build', 'test', 'coverage', ...(shard ? [`shard-${shard.index}-of-${shard.count}`] : []));
  const rawDir = join(reportsDirectory, 'raw');
  const ranFile = join(reportsDirectory, 'ran');
  rmSync(rawDir, { recursive: true, force: true });
  rmSync(ranFile, { force: true });
  // The report is streamed as a run without --cover prints it; the closing line stays the last line, after the
  // coverage table: it is held back and printed once (--watch closes each rerun, so it holds nothing back).
  const out = holdClosingLine((text) => void io.stdout.write(text), !watching);
  const status = await runCoverageChild(io, rawDir, ranFile, out);
  const closing = out.end();
  // Whether the tests ran to the end is the child's word (its file), never read from its report: a closing line
  // proves nothing (the tests may have printed one), and the coverage of every finished run is reported and checked.
  // An interrupted run (exit 128 + signal), a usage error or a crash wrote no such file: nothing is measured.
  if (!existsSync(ranFile)) {
    if (closing !== undefined) io.stdout.write(`${closing}\n`);
    return status;
  }
  // No test ran (an empty selection): no table, no threshold; the run ends as it would without --cover.
  if (readFileSync(ranFile, 'utf8') === NOTHING_RAN) {
    if (io.verbosity !== 'quiet') io.stdout.write('no coverage to report: no test ran\n\n');
    if (closing !== undefined) io.stdout.write(`${closing}\n`);
    return status;
  }
  // Quiet leaves the table out; the HTML and lcov reports are still written, and a threshold still fails the run.
  const summary = await reportCoverage({ root, rawDir, reportsDirectory, ...(io.verbosity === 'quiet' && { reporters: ['html', 'lcov'] }) }).catch((error: unknown) => {
    // An untested source that does not compile cannot be counted: the run fails saying which, its closing line kept.
    if (closing !== undefined) io.stdout.write(`${closing}\n`);
    throw error instanceof CoverageSourceError ? new OtpError('failed', error.message) : error;
  });
  // Quiet prints no table: the closing line then follows what the run printed, alone when that was nothing.
  if (closing !== undefined) io.stdout.write(`${io.verbosity === 'quiet' && !out.wrote ? '' : '\n'}${closing}\n`);
  checkCoverage(summary, { ...set.cover, ...(threshold === undefined ? {} : { lines: threshold }) });
  return status;
}

/** Throws when coverage measured nothing or fell below a threshold. */
function checkCoverage(summary: CoverageSummary, thresholds: CoverThresholds): void {
  if (summary.measured === 0) {
    throw new OtpError('failed', `--cover measured nothing: no test loaded a source file under src/ (${summary.files} source file(s) listed at 0 %)`, { hint: 'run the tests that import your sources, or check that they live under src/' });
  }
  const below = (['lines', 'statements', 'functions', 'branches'] as const).filter((k) => thresholds[k] !== undefined && summary[k] < thresholds[k]);
  if (below.length > 0) {
    const what = below.map((k) => `${k} ${summary[k]}% (threshold ${thresholds[k]}%)`).join(', ');
    throw new OtpError('failed', `coverage is below its threshold: ${what}`, { hint: 'see _build/test/coverage/index.html for the code no test runs' });
  }
}

// --watch: reruns the tests a change affects until the process is stopped.
async function watchTests(project: Project, options: RunOptions & { importGraph: ImportGraph }, io: Io, first: readonly FileResult[]): Promise<number> {
  // Every test file's latest outcome in this session, which the JSON and JUnit reports of each rerun hold (as the screen shows them).
  const latest = new Map(first.map((f) => [f.file, f]));
  await watchProject(project, (events) => rerunAffected(project.root, options, events, io, latest), (error) => void io.stderr.write(`${error.message}\n`), ['src', 'test']).ready;
  info(io, 'watching for changes (Ctrl-C to stop)');
  await new Promise(() => {});
  return 0;
}

/** Whether a test file is among the paths `otp test` was given (every test file when none were). */
function inPaths(root: string, paths: readonly string[] | undefined): (file: string) => boolean {
  if (paths === undefined) return () => true;
  const roots = paths.map((p) => resolve(root, p));
  return (file) => roots.some((r) => file === r || file.startsWith(r + sep));
}

// One watch step: says which test files the changed files affect (through the import graph of the last builds) and runs them.
async function rerunAffected(root: string, options: RunOptions & { importGraph: ImportGraph }, events: readonly WatchEvent[], io: Io, latest: Map<string, FileResult>): Promise<void> {
  const changes = events.filter((e): e is FileChange => e.event === 'add' || e.event === 'change' || e.event === 'unlink');
  if (changes.length === 0) return;
  // A deleted test file has no outcome any more.
  for (const c of changes) if (c.event === 'unlink') latest.delete(relative(root, resolve(c.path)).split(sep).join('/'));
  const rerun = affectedTests(root, options.importGraph, changes, inPaths(root, options.paths));
  for (const line of rerun.lines) info(io, line);
  // The shard and the last run's failures chose the files of the first run; a rerun runs exactly the affected ones.
  if (rerun.files.length === 0) return;
  const result = await runTests({ ...options, paths: rerun.files, shard: undefined, rerunFailed: false, carried: [...latest.values()] });
  for (const f of result.files) latest.set(f.file, f);
}
