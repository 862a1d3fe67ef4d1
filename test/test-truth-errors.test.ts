// End to end through the built binary on a fixture project with known outcomes: errors are blamed on the test that
// caused them, --cover measures *.test.ts files and lists untested sources, and several reporters run at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const dir = tempProject('otp-truth-a-', {}, join(repo, 'test', 'fixtures', 'truth-a'));

const otp = (...args: string[]) => spawnSync(process.execPath, [bin, 'test', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
const last = (s: string): string => s.trimEnd().split('\n').at(-1)!;
const closingLines = (s: string): number => s.match(/^\d+ passed, \d+ failed/gm)?.length ?? 0;

test('a timer that throws after its test returned fails that test, not the test running when it fires', () => {
  const r = otp('test/late.test.ts');
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /✖ test\/late\.test\.ts › late > guiltyTest\n {4}after the test returned, uncaught exception: Error: late boom from guiltyTest\n {8}at .*test\/late\.test\.ts:7:/);
  assert.doesNotMatch(r.stdout, /✖ test\/late\.test\.ts › late > innocentTest/);
  assert.equal(last(r.stdout), '1 passed, 1 failed');
});

test('--retry 1 runs the guilty test alone and it fails again: a late error never becomes a flaky pass', () => {
  const r = otp('test/late.test.ts', '--retry', '1');
  assert.equal(r.status, 1, r.stdout);
  assert.doesNotMatch(r.stdout, /Flaky|flaky/);
  assert.equal(last(r.stdout), '1 passed, 1 failed');
});

test('an error no test caused, thrown after the last test, fails the file with its stack and no runner frames', () => {
  const r = otp('test/stray.test.ts');
  assert.equal(r.status, 1, r.stdout);
  const failure = r.stdout.slice(r.stdout.indexOf('Failures:'), r.stdout.indexOf('Slowest:'));
  assert.match(failure, /✖ test\/stray\.test\.ts › unhandled error after the last test\n {4}unhandled error after the last test:\n {4}uncaught exception: Error: stray boom from module code\n {8}at .*test\/stray\.test\.ts:\d+:\d+\)\n/);
  assert.doesNotMatch(failure, /test-runner\/(dist|src)\/|node:internal/);
  assert.equal(last(r.stdout), '1 passed, 1 failed');
});

test('--cover measures the sources a *.test.ts loads, lists an untested source at 0 %, and prints the totals once', () => {
  const r = otp('test/math.test.ts', '--cover');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /All files\s+\|\s+68\.75 \|/);
  assert.match(r.stdout, /math\.ts\s+\|\s+100 \|/);
  assert.match(r.stdout, /untested\.ts\s+\|\s+0 \|\s+0 \|\s+0 \|\s+0 \|/);
  assert.equal(closingLines(r.stdout), 1, r.stdout);
  assert.equal(last(r.stdout), '2 passed, 0 failed');
  const lcov = readFileSync(join(dir, '_build', 'test', 'coverage', 'lcov.info'), 'utf8');
  assert.match(lcov, /^SF:src\/math\.ts\n[\s\S]*?^LF:11\nLH:11\n/m);
  assert.match(lcov, /^SF:src\/untested\.ts\n[\s\S]*?^LF:5\nLH:0\n/m);
  assert.doesNotMatch(lcov, /^SF:(test\/|_build\/)/m, 'neither the test files nor the runner bundles are measured');
});

test('--cover-threshold fails a run whose coverage is below it, untested sources counted', () => {
  const r = otp('test/math.test.ts', '--cover', '--cover-threshold', '90');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /coverage is below its threshold: lines 68\.75% \(threshold 90%\)/);
  assert.equal(last(r.stdout), '2 passed, 0 failed');
});

test('--cover-threshold holds with only the junit reporter: the CI flags together fail a run below it, the closing line still last', () => {
  const r = otp('test/math.test.ts', '--reporter', 'junit', '--jobs', '2', '--bail', '--cover', '--cover-threshold', '90');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /coverage is below its threshold: lines 68\.75% \(threshold 90%\)/);
  assert.match(r.stdout, /^JUnit report written to _build\/test\/junit\.xml$/m);
  assert.match(r.stdout, /All files\s+\|\s+68\.75 \|/, 'the coverage table is printed');
  assert.equal(closingLines(r.stdout), 1, 'no tty reporter, yet the run closes with its counts');
  assert.equal(last(r.stdout), '2 passed, 0 failed', 'after the coverage table');
  assert.match(readFileSync(join(dir, '_build', 'test', 'junit.xml'), 'utf8'), /<testsuites name="otp test" tests="2" failures="0" errors="0" skipped="0"/);
});

test('tty, junit and json reporters run at once, say where they wrote, and agree with the closing line', () => {
  const r = otp('test/late.test.ts', 'test/stray.test.ts', 'test/math.test.ts', '--reporter', 'tty', '--reporter', 'junit', '--reporter', 'json');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stdout.split('\n')[0], 'running 3 test file(s)', 'no shuffle seed without --shuffle');
  assert.match(r.stdout, /^JUnit report written to _build\/test\/junit\.xml$/m);
  assert.match(r.stdout, /^JSON report written to _build\/test\/results\.json$/m);
  assert.equal(last(r.stdout), '4 passed, 2 failed');
  const xml = readFileSync(join(dir, '_build', 'test', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuites name="otp test" tests="6" failures="2" errors="0" skipped="0"/);
  assert.match(xml, /<testcase name="guiltyTest"[^>]*>\n {6}<failure message="after the test returned, uncaught exception: Error: late boom from guiltyTest"/);
  assert.match(xml, /<testcase name="unhandled error after the last test"[^>]*>\n {6}<failure /);
  const json = JSON.parse(readFileSync(join(dir, '_build', 'test', 'results.json'), 'utf8')) as { counts: { passed: number; failed: number } };
  assert.deepEqual([json.counts.passed, json.counts.failed], [4, 2]);
});

test('--reporter=tty,junit takes a comma-separated list; otp.config.ts test.reporters sets them when no flag does', () => {
  const r = otp('test/math.test.ts', '--reporter=tty,junit');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^JUnit report written to _build\/test\/junit\.xml$/m);
  assert.equal(last(r.stdout), '2 passed, 0 failed');
  writeFileSync(join(dir, 'otp.config.ts'), "export default { test: { reporters: ['json'] } };\n");
  try {
    const quiet = otp('test/math.test.ts');
    assert.equal(quiet.status, 0, quiet.stdout + quiet.stderr);
    assert.equal(quiet.stdout, 'JSON report written to _build/test/results.json\n2 passed, 0 failed\n', 'without tty the run still closes with its counts');
    const bad = otp('test/math.test.ts', '--reporter', 'tty,xml');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--reporter must be tty, json, junit, tap or html, got 'xml'/);
  } finally {
    rmSync(join(dir, 'otp.config.ts'), { force: true });
  }
});
