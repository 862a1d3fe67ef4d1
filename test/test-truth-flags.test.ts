// End to end through the built binary: `otp test` flags a CI script gets wrong (a flag left without its value, a
// number out of range, a threshold without --cover) are usage errors (exit 2, one line naming the flag), never a
// crash and never a green run that checked less than it was asked to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
// Outcomes: addTest passes; propNeverHolds fails on its first run; half of src/half.ts is never run; test/helper.ts is no test file.
const dir = scratchProject('flags', {
  'src/half.ts': 'export function used(n: number): number {\n  return n + 1;\n}\n\nexport function unused(n: number): number {\n  return n * 2;\n}\n',
  'test/half.test.ts': "import { used } from '../src/half';\nexport function addTest(): void {\n  if (used(1) !== 2) throw new Error('used(1) is not 2');\n}\n",
  'test/helper.ts': "throw new Error('helper.ts is no test file and must never be loaded as one');\n",
  'test/prop.test.ts': "import fc from 'fast-check';\nexport const propNeverHolds = fc.property(fc.integer(), () => false);\n",
});

const otp = (...args: string[]) => spawnSync(process.execPath, [bin, 'test', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });

/** Runs `otp test ARGS..` and checks it is refused as bad usage with `message`, before any test runs. */
function refused(args: string[], message: RegExp): void {
  const r = otp(...args);
  assert.equal(r.status, 2, `otp test ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, message, `otp test ${args.join(' ')}`);
  assert.doesNotMatch(r.stderr, /internal error|crash report/, 'a usage error, not a crash');
  assert.doesNotMatch(r.stdout, /passed, \d+ failed/, 'no test ran');
}

test('a filter flag typed without its value is a usage error naming it, not a crash', () => {
  refused(['--case'], /^otp: --case needs a value \(--case C\)$/m);
  refused(['--suite'], /^otp: --suite needs a value/m);
  refused(['--group'], /^otp: --group needs a value/m);
  refused(['test/half.test.ts', '--case', ''], /^otp: --case needs a value/m);
});

test('--reporter without a value is refused: a run must not end silently with no report at all', () => {
  refused(['test/half.test.ts', '--reporter'], /^otp: --reporter needs a value/m);
  refused(['test/half.test.ts', '--reporter=,'], /^otp: --reporter needs a value/m);
});

test('--numtests 0 is refused: a property that never holds must not pass by running zero times', () => {
  refused(['test/prop.test.ts', '--numtests', '0'], /^otp: --numtests must be a whole number above 0, got '0'$/m);
  const r = otp('test/prop.test.ts', '--numtests', '1');
  assert.equal(r.status, 1, r.stdout);
  assert.equal(r.stdout.trimEnd().split('\n').at(-1), '0 passed, 1 failed');
});

test('--jobs, --retry and --seed out of range are refused with the value given, as their otp.config.ts keys are', () => {
  refused(['--jobs', '0'], /^otp: --jobs must be a whole number above 0, got '0'$/m);
  refused(['-j', '-1'], /^otp: --jobs must be a whole number above 0, got '-1'$/m);
  refused(['--jobs', '1.5'], /^otp: --jobs must be a whole number/m);
  refused(['--retry', '-1'], /^otp: --retry must be a whole number of retries, 0 or more, got '-1'$/m);
  refused(['--seed', '1.5'], /^otp: --seed must be a whole number, got '1\.5'$/m);
  const r = otp('test/half.test.ts', '--jobs', '1', '--retry', '0', '--seed', '-5', '--numtests', '1');
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('--cover-threshold without --cover is refused: the run would pass a threshold it never measured', () => {
  refused(['test/half.test.ts', '--cover-threshold', '99'], /^otp: --cover-threshold 99 needs --cover, which measures the coverage it checks: add --cover$/m);
  refused(['test/half.test.ts', '--cover', '--cover-threshold', '101'], /^otp: --cover-threshold must be a percentage from 0 to 100, got 101$/m);
  const r = otp('test/half.test.ts', '--cover', '--cover-threshold', '90');
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /^otp: coverage is below its threshold: lines \d+(\.\d+)?% \(threshold 90%\)$/m);
});

test('--path without --seed is refused: the replay path of one seed\'s failure replays nothing under a random seed', () => {
  refused(['test/prop.test.ts', '--path', '0:0'], /^otp: --path 0:0 replays a property failure from its seed: add the --seed S the failure printed \(its replay command gives both\)$/m);
  const r = otp('test/prop.test.ts', '--path', '0', '--seed', '1');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n').at(-1), '0 passed, 1 failed');
});

test('a file that is no test file is refused when named, and left out when a pattern matches it', () => {
  refused(['src/half.ts'], /^otp: \S+half\.ts is not a test file: give \*\.test\.ts or \*\.suite\.ts files, or folders that hold them$/m);
  const r = otp('test/*.ts', '--numtests', '1');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /helper/, 'test/helper.ts is not run as a test file');
  assert.equal(r.stdout.trimEnd().split('\n').at(-1), '1 passed, 1 failed');
});

test('-q prints errors only: the failure and the closing line, no file lines, slowest list or report paths; a passing run prints its closing line alone', () => {
  const failing = otp('-q', '--reporter', 'tty,junit', '--seed', '1');
  assert.equal(failing.status, 1, failing.stdout + failing.stderr);
  assert.match(failing.stdout, /^✖ test\/prop\.test\.ts › prop > propNeverHolds$/m);
  assert.doesNotMatch(failing.stdout, /running \d+ test file|^✔ |Slowest:|written to/m);
  assert.equal(failing.stdout.trimEnd().split('\n').at(-1), '1 passed, 1 failed');
  const passing = otp('test/half.test.ts', '-q', '--cover');
  assert.equal(passing.status, 0, passing.stdout + passing.stderr);
  assert.equal(passing.stdout, '1 passed, 0 failed\n');
});

test('--timeout MS sets the time limit of tests that set none; a value that is no time is refused', () => {
  const slow = scratchProject('slow', { 'test/slow.test.ts': 'export async function slowTest(): Promise<void> {\n  await new Promise((resolve) => setTimeout(resolve, 1500));\n}\n' });
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'test', ...args], { cwd: slow, encoding: 'utf8', timeout: 120_000 });
  const within = run();
  assert.equal(within.status, 0, `under the default 5000 ms: ${within.stdout}${within.stderr}`);
  const over = run('--timeout', '200');
  assert.equal(over.status, 1, `over --timeout 200: ${over.stdout}${over.stderr}`);
  assert.match(over.stdout, /^0 passed, 1 failed/m);
  assert.match(over.stdout, /200 ms/);
  for (const bad of ['0', 'soon']) {
    const r = run('--timeout', bad);
    assert.equal(r.status, 2, `--timeout ${bad}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /--timeout/);
  }
});

test('--timeout 0 is refused by the one rule and in the words otp.config.ts\'s test.timeout: 0 is refused with', () => {
  refused(['--timeout', '0'], /^otp: --timeout must be a whole number of milliseconds above 0, got '0'$/m);
  refused(['--timeout', '2.5'], /^otp: --timeout must be a whole number of milliseconds above 0, got '2\.5'$/m);
  writeFileSync(join(dir, 'otp.config.ts'), 'export default { test: { timeout: 0 } };\n');
  try {
    refused([], /^otp: otp\.config\.ts: 'test\.timeout' must be a whole number of milliseconds above 0, got 0$/m);
  } finally {
    rmSync(join(dir, 'otp.config.ts'), { force: true });
  }
});
