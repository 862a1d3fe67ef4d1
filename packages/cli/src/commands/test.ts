import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { affectedTests, ImportGraph, parseShard, reportCoverage, runTests, TestPathError, type FileChange, type RunOptions } from '@otp-ts/test-runner';
import { info, type Io } from '../cli/io.js';
import { defineProvider } from '../cli/provider.js';
import { OtpError } from '../errors/otp-error.js';
import { loadConfig } from '../config/load.js';
import { resolveConfig } from '../config/resolve.js';
import { findProject } from '../project/find.js';
import { watchProject, type WatchEvent } from '../project/watch.js';

/** `otp test`: EUnit-style, Common-Test-style and property tests, each file in its own worker. */
export const testCommand = defineProvider({
  name: 'test',
  description: 'Run the tests: *.test.ts (EUnit style), *.suite.ts (Common Test style) and prop* properties, each file in a fresh runtime.',
  deps: [],
  positionals: [{ name: 'paths', description: 'test files or folders (default: all of them)', variadic: true }],
  options: [
    { name: 'suite', type: 'array', value: 'S', description: 'only these suites (modules)' },
    { name: 'group', type: 'array', value: 'G', description: 'only cases in these groups' },
    { name: 'case', type: 'array', value: 'C', description: 'only these cases' },
    { name: 'grep', type: 'string', value: 'RE', description: 'only cases whose full name matches this regular expression' },
    { name: 'reporter', type: 'array', value: 'R', choices: ['tty', 'json', 'junit', 'html'], description: 'how results are reported, several at once (repeated or comma-separated); json and junit write under _build/test/ and print where (default: test.reporters of otp.config.ts, else tty)' },
    { name: 'numtests', type: 'number', value: 'N', description: 'runs per property (default 100)' },
    { name: 'seed', type: 'number', value: 'S', description: 'the seed of property tests and of --shuffle, to replay a failure or an order' },
    { name: 'path', type: 'string', value: 'P', description: "fast-check's replay path of a property failure (with --seed; the printed replay command gives both)" },
    { name: 'pass-with-no-tests', type: 'boolean', description: 'a run that selects no test passes (by default it fails, naming the filter that matched nothing)' },
    { name: 'shuffle', type: 'boolean', description: 'run the test files in a random order; the seed is printed (replay it with --seed)' },
    { name: 'shard', type: 'string', value: 'I/N', description: 'run only part I of N of the test files (a deterministic split, e.g. one per CI machine)' },
    { name: 'retry', type: 'number', value: 'N', description: 'run failed cases again up to N times; one that then passes is reported as flaky' },
    { name: 'fail-on-flaky', type: 'boolean', description: 'with --retry, count flaky cases (passed only on a retry) as failed' },
    { name: 'rerun-failed', type: 'boolean', description: 'run only the cases that failed in the last run (kept in _build/test/failed.json)' },
    { name: 'jobs', alias: 'j', type: 'number', value: 'N', description: 'test files run at once (default: the number of cores)' },
    { name: 'bail', type: 'boolean', description: 'start no new test file after a failure (the files not run count as skipped)' },
    { name: 'watch', alias: 'w', type: 'boolean', description: 'run the tests again whenever a source or test file changes' },
    { name: 'cover', type: 'boolean', description: 'collect coverage (c8), mapped to the TypeScript sources: a table, plus HTML and lcov under _build/test/coverage/' },
    { name: 'cover-threshold', type: 'number', value: 'PCT', description: 'with --cover, fail when line coverage is below PCT percent' },
  ],
  examples: [
    { command: 'otp test', description: 'every test of the project' },
    { command: 'otp test test/cart.test.ts --case addTest --seed 42', description: 'one case, replaying a property seed' },
    { command: 'otp test --cover --cover-threshold 80', description: 'coverage of src/, failing under 80% of lines' },
    { command: 'otp test --shard 2/4 --shuffle --retry 2', description: 'CI machine 2 of 4, files in random order, failures retried twice' },
  ],
  async run(args, io) {
    const project = findProject(io.cwd);
    const { config } = await loadConfig(project.root);
    const { keepLogs } = resolveConfig(config, 'test').test;
    // Only what otp.config.ts sets (top level, then the test profile) overrides the runner's defaults; flags override both.
    const set = { ...config.test, ...config.profiles?.test?.test };
    if (args.cover && io.env.NODE_V8_COVERAGE === undefined) {
      // V8 collects coverage only when the process starts with NODE_V8_COVERAGE: run the tests in a child that does.
      const rawDir = join(project.root, '_build', 'test', 'coverage', 'raw');
      rmSync(rawDir, { recursive: true, force: true });
      const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
        cwd: io.cwd,
        env: { ...io.env, NODE_V8_COVERAGE: rawDir },
        stdio: ['inherit', 'pipe', 'inherit'],
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      });
      // The closing line stays the last line, after the coverage table: it is held back and printed once.
      const lines = child.stdout.trimEnd().split('\n');
      const closing = /^\d+ passed, \d+ failed/.test(lines.at(-1) ?? '') ? lines.pop() : undefined;
      io.stdout.write(closing === undefined ? child.stdout : `${lines.join('\n')}\n`);
      // No closing line: the tests did not run (a usage error, a crash), so there is nothing to measure.
      if (closing === undefined) return child.status ?? 1;
      const summary = await reportCoverage({ root: project.root, rawDir });
      io.stdout.write(`\n${closing}\n`);
      if (summary.measured === 0) {
        throw new OtpError('failed', `--cover measured nothing: no test loaded a source file under src/ (${summary.files} source file(s) listed at 0 %)`, { hint: 'run the tests that import your sources, or check that they live under src/' });
      }
      const thresholds = { ...set.cover, ...(args['cover-threshold'] === undefined ? {} : { lines: args['cover-threshold'] }) };
      const below = (['lines', 'statements', 'functions', 'branches'] as const).filter((k) => thresholds[k] !== undefined && summary[k] < thresholds[k]!);
      if (below.length > 0) {
        const what = below.map((k) => `${k} ${summary[k]}% (threshold ${thresholds[k]}%)`).join(', ');
        throw new OtpError('failed', `coverage is below its threshold: ${what}`, { hint: 'see _build/test/coverage/index.html for the code no test runs' });
      }
      return child.status ?? 1;
    }
    let grep: RegExp | undefined;
    if (args.grep !== undefined) {
      try {
        grep = new RegExp(args.grep);
      } catch (error) {
        throw new OtpError('usage', `--grep ${args.grep} is not a regular expression`, { cause: error });
      }
    }
    const shard = args.shard === undefined ? undefined : parseShard(args.shard);
    if (shard && !shard.ok) throw new OtpError('usage', shard.error);
    const options = {
      root: project.root,
      paths: args.paths && args.paths.length > 0 ? args.paths : set.paths,
      suite: args.suite,
      group: args.group,
      case: args.case,
      grep,
      reporters: (args.reporter ?? set.reporters ?? ['tty']) as Array<'tty' | 'json' | 'junit' | 'html'>,
      numRuns: args.numtests ?? set.numtests,
      timeoutMs: set.timeout,
      seed: args.seed,
      ...(args.path !== undefined && { path: args.path }),
      passWithNoTests: args['pass-with-no-tests'] ?? set.passWithNoTests,
      shuffle: args.shuffle,
      shuffleSeed: args.seed,
      shard: shard?.shard,
      retry: args.retry,
      failOnFlaky: args['fail-on-flaky'],
      rerunFailed: args['rerun-failed'],
      jobs: args.jobs ?? set.jobs,
      bail: args.bail,
      keepLogs,
      output: io.stdout,
      importGraph: new ImportGraph(),
    };
    const result = await runTests(options).catch((error: unknown) => {
      throw error instanceof TestPathError ? new OtpError('usage', error.message) : error;
    });
    if (result.noTests !== undefined && !args.watch) throw new OtpError('failed', result.noTests);
    if (!args.watch) return result.ok ? 0 : 1;
    await watchProject(project, (events) => rerunAffected(project.root, options, events, io), (error) => void io.stderr.write(`${error.message}\n`), ['src', 'test']).ready;
    info(io, 'watching for changes (Ctrl-C to stop)');
    await new Promise(() => {});
    return 0;
  },
});

/** Whether a test file is among the paths `otp test` was given (every test file when none were). */
function inPaths(root: string, paths: readonly string[] | undefined): (file: string) => boolean {
  if (paths === undefined) return () => true;
  const roots = paths.map((p) => resolve(root, p));
  return (file) => roots.some((r) => file === r || file.startsWith(r + sep));
}

// One watch step: says which test files the changed files affect (through the import graph of the last builds) and runs them.
async function rerunAffected(root: string, options: RunOptions & { importGraph: ImportGraph }, events: readonly WatchEvent[], io: Io): Promise<void> {
  const changes = events.filter((e): e is FileChange => e.event === 'add' || e.event === 'change' || e.event === 'unlink');
  if (changes.length === 0) return;
  const rerun = affectedTests(root, options.importGraph, changes, inPaths(root, options.paths));
  for (const line of rerun.lines) info(io, line);
  // The shard and the last run's failures chose the files of the first run; a rerun runs exactly the affected ones.
  if (rerun.files.length > 0) await runTests({ ...options, paths: rerun.files, shard: undefined, rerunFailed: false });
}
