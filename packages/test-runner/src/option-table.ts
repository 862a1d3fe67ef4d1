import { availableParallelism } from 'node:os';
import { DEFAULT_KEEP_LOGS } from './report/all-runs.js';

/** The kinds of value a test option takes; `thresholds` is an object of coverage percentages. */
export type TestOptionType = 'string' | 'number' | 'boolean' | 'array' | 'thresholds';

/** One option of a test run, declared once: `RunOptions`, the `otp test` flags and otp.config.ts's `test` keys are derived from it. */
export interface TestOptionSpec {
  /** The runner's name, a key of `RunOptions` (absent for a config key the runner does not take, e.g. `cover`). */
  readonly name?: string;
  readonly type: TestOptionType;
  /** What the option does, for `--help` and docs/cli.md. */
  readonly description: string;
  /** The default of otp.config.ts's key, when it has one value (the runner applies its own when neither sets it). */
  readonly default?: number | boolean | readonly string[];
  readonly choices?: readonly string[];
  /** The `otp test` flag (without `--`), when the option has one; several options may share one (`--seed`). */
  readonly flag?: string;
  /** The flag's one-letter alias. */
  readonly alias?: string;
  /** The flag's value placeholder in `--help` (`--jobs N`). */
  readonly value?: string;
  /** The positional of `otp test` that sets the option (the test paths). */
  readonly positional?: string;
  /** The key under `test` (and under a profile's `test`) in otp.config.ts, when the config sets it. */
  readonly config?: string;
  /** How config values are checked: the least number, whether it is whole, and the sentence saying what is expected. */
  readonly min?: number;
  readonly integer?: boolean;
  readonly expected?: string;
}

/** Every option of a test run (see TestOptionSpec); docs/cli.md's config table and `otp test --help` list the same. */
export const testOptionTable = [
  { name: 'paths', type: 'array', positional: 'paths', config: 'paths', default: ['test'], expected: 'an array of paths', description: 'test files or folders (default: every *.test.ts / *.suite.ts)' },
  { name: 'suite', type: 'array', flag: 'suite', value: 'S', description: 'only these suites (modules)' },
  { name: 'group', type: 'array', flag: 'group', value: 'G', description: 'only cases in these groups' },
  { name: 'case', type: 'array', flag: 'case', value: 'C', description: 'only these cases' },
  { name: 'grep', type: 'string', flag: 'grep', value: 'RE', description: 'only cases whose full name matches this regular expression' },
  {
    name: 'reporters', type: 'array', flag: 'reporter', value: 'R', config: 'reporters', default: ['tty'], choices: ['tty', 'json', 'junit', 'tap', 'html'], expected: 'an array of reporters',
    description: 'how results are reported, several at once (repeated or comma-separated); json, junit and tap write under _build/test/ and print where (default: test.reporters of otp.config.ts, else tty)',
  },
  { name: 'numRuns', type: 'number', flag: 'numtests', value: 'N', config: 'numtests', default: 100, min: 1, integer: true, expected: 'a whole number above 0', description: 'runs per property (default 100)' },
  { name: 'timeoutMs', type: 'number', flag: 'timeout', value: 'MS', config: 'timeout', default: 5000, min: 1, integer: true, expected: 'a whole number of milliseconds above 0', description: "a test's or a case's time limit when it sets none (default 5000 ms EUnit, 30000 ms Common Test)" },
  { name: 'seed', type: 'number', flag: 'seed', value: 'S', integer: true, expected: 'a whole number', description: 'the seed of property tests and of --shuffle, to replay a failure or an order' },
  { name: 'shuffleSeed', type: 'number', flag: 'seed', description: 'the seed of --shuffle (and of Common Test shuffle groups); default random, always printed' },
  { name: 'path', type: 'string', flag: 'path', value: 'P', description: "fast-check's replay path of a property failure (with --seed; the printed replay command gives both)" },
  {
    name: 'passWithNoTests', type: 'boolean', flag: 'pass-with-no-tests', config: 'passWithNoTests', default: false,
    description: 'a run that selects no test passes (by default it fails, naming the filter that matched nothing)',
  },
  {
    name: 'ignoreAutoSkips', type: 'boolean', flag: 'ignore-auto-skips', config: 'ignoreAutoSkips', default: false,
    description: "auto-skipped cases (a suite's required config missing) do not fail the run, as ct_run -exit_status ignore_config; a failed init function still does",
  },
  { name: 'shuffle', type: 'boolean', flag: 'shuffle', description: 'run the test files in a random order; the seed is printed (replay it with --seed)' },
  { name: 'shard', type: 'string', flag: 'shard', value: 'I/N', description: 'run only part I of N of the test files (a deterministic split, e.g. one per CI machine)' },
  { name: 'retry', type: 'number', flag: 'retry', value: 'N', min: 0, integer: true, expected: 'a whole number of retries, 0 or more', description: 'run failed cases again up to N times; one that then passes is reported as flaky' },
  { name: 'failOnFlaky', type: 'boolean', flag: 'fail-on-flaky', description: 'with --retry, count flaky cases (passed only on a retry) as failed' },
  { name: 'rerunFailed', type: 'boolean', flag: 'rerun-failed', description: 'run only the cases that failed in the last run (kept in _build/test/failed.json)' },
  {
    name: 'jobs', type: 'number', flag: 'jobs', alias: 'j', value: 'N', config: 'jobs', default: availableParallelism(), min: 1, integer: true, expected: 'a whole number above 0',
    description: 'test files run at once (default: the number of cores)',
  },
  { name: 'bail', type: 'boolean', flag: 'bail', description: 'start no new test file after a failure (the files not run count as skipped; with --grep, those that may hold a matching case)' },
  {
    name: 'keepLogs', type: 'number', config: 'keepLogs', default: DEFAULT_KEEP_LOGS, min: 1, integer: true, expected: 'a whole number of runs above 0',
    description: "how many runs' HTML logs _build/test/logs/ keeps, the newest (Common Test's keep_logs)",
  },
  { type: 'thresholds', config: 'cover', expected: 'an object of coverage thresholds', description: 'coverage thresholds in percent (lines, statements, functions, branches); a run below one fails' },
] as const satisfies readonly TestOptionSpec[];

/**
 * Why a number option of the table refuses `value`, or undefined when it takes it: the one rule (the row's min, and
 * whether whole) and wording of both its `otp test` flag and its otp.config.ts key; `what` names it, `shown` shows the value.
 */
export function numberOptionRefusal(o: TestOptionSpec, value: unknown, what: string, shown: string): string | undefined {
  const takes = typeof value === 'number' && Number.isFinite(value) && (o.min === undefined || value >= o.min) && (!o.integer || Number.isInteger(value));
  return takes ? undefined : `${what} must be ${o.expected ?? 'a number'}, got ${shown}`;
}

/** The test option table's type, for the types derived from it. */
export type TestOptionTable = typeof testOptionTable;

/** The keys of coverage thresholds (`cover` in otp.config.ts). */
export type CoverThresholds = { lines?: number; functions?: number; branches?: number; statements?: number };

/** The value an option of the table takes. */
export type TestOptionValue<S> = S extends { type: 'thresholds' }
  ? CoverThresholds
  : S extends { type: 'array'; choices: readonly (infer C)[] }
    ? C[]
    : S extends { type: 'array' }
      ? string[]
      : S extends { type: 'number' }
        ? number
        : S extends { type: 'boolean' }
          ? boolean
          : string;

/** The runner's options derived from the table (name → value). */
export type TableRunOptions = {
  [S in TestOptionTable[number] as S extends { name: infer N extends string } ? N : never]?: TestOptionValue<S>;
};

/** otp.config.ts's `test` object derived from the table (config key → value). */
export type TableConfigOptions = {
  [S in TestOptionTable[number] as S extends { config: infer K extends string } ? K : never]?: TestOptionValue<S>;
};

/**
 * The runner's options from otp.config.ts's `test` values (already merged with the profile's) and the
 * command line's values (by flag or positional name); a flag given wins over the config. Pure.
 */
export function runOptionsFrom(config: Readonly<Record<string, unknown>>, given: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const o of testOptionTable as readonly TestOptionSpec[]) {
    if (o.name === undefined) continue;
    const key = o.flag ?? o.positional;
    const fromArgs = key === undefined ? undefined : given[key];
    const value = fromArgs === undefined || (Array.isArray(fromArgs) && fromArgs.length === 0 && o.positional) ? (o.config === undefined ? undefined : config[o.config]) : fromArgs;
    if (value !== undefined) options[o.name] = value;
  }
  return options;
}
