import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, removeCopy, runLogFolders } from './helpers.ts';

// --retry runs a file whose configuration function failed again whole. A configuration function that passes on the
// retry is no test: it adds no pass, and the cases it set up or cleaned up are the flaky ones.
const run = await runFixture('config-flaky', { retry: 1, reporters: ['tty', 'junit', 'json', 'tap', 'html'] });
after(() => removeCopy(run.root));

const fileOf = (name: string) => run.result.files.find((f) => f.file.endsWith(name))!;

test('an initPerSuite that fails once vanishes under --retry: its cases run in the retry, pass and are flaky', () => {
  const cases = fileOf('flakyinit.suite.ts').cases;
  assert.deepEqual(cases.map((c) => [c.name, c.status, c.flaky ?? false, c.autoSkipped ?? false]), [['one', 'passed', true, false], ['two', 'passed', true, false]]);
  assert.match(cases[0]!.retries![0]!.message, /the service was not up yet/);
});

test('an endPerGroup that fails once vanishes under --retry: its group case is flaky, the case outside it is not', () => {
  const cases = fileOf('flakyend.suite.ts').cases;
  assert.deepEqual(cases.map((c) => [c.path.join(' > '), c.status, c.flaky ?? false]), [['flakyend > first', 'passed', false], ['flakyend > db > inDb', 'passed', true]]);
});

test('the closing line, JSON, JUnit, TAP and HTML count only the tests: 4 passed, 3 of them flaky', () => {
  assert.equal(run.result.ok, true, run.text);
  assert.deepEqual(run.result.counts, { passed: 4, failed: 0, skipped: 0, total: 4, flaky: 3 });
  assert.equal(run.text.trimEnd().split('\n').at(-1), '4 passed, 0 failed');
  assert.doesNotMatch(run.text, /› flaky\w+ > (db > )?\w+Per\w+(\(db\))? failed/);
  const out = join(run.root, '_build', 'test');
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { ok: boolean; counts: unknown };
  assert.deepEqual([json.ok, json.counts], [true, run.result.counts]);
  assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /<testsuites name="otp test" tests="4" failures="0" errors="0" skipped="0"/);
  const tap = readFileSync(join(out, 'results.tap'), 'utf8');
  assert.match(tap, /^TAP version 13\n1\.\.4\n/);
  assert.doesNotMatch(tap, /not ok|Per\w+(\(db\))? failed$/m);
  assert.equal(tap.trimEnd().split('\n').at(-1), '# 4 passed, 0 failed');
  const run1 = runLogFolders(run.root).at(-1)!;
  const pages = readdirSync(run1, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.html'));
  assert.ok(pages.length > 0);
  for (const p of pages) assert.doesNotMatch(readFileSync(join(run1, p), 'utf8'), />(db &gt; )?\w+Per\w+(\(db\))? failed</, p);
});

// The retry of a failed case can itself find a configuration function failing: that is a failure of the run, and the
// case it auto-skipped keeps its own failure, so the closing line never reads `0 failed` over a failed run.
const broken = await runFixture('config-retry-fails', { retry: 1, reporters: ['tty', 'json', 'tap'] });
after(() => removeCopy(broken.root));

test('a failed case whose retry finds initPerSuite failing stays failed, and the init is a failed case of its own', () => {
  const cases = broken.result.files[0]!.cases;
  assert.deepEqual(cases.map((c) => [c.name, c.status]), [['initPerSuite failed', 'failed'], ['x', 'failed'], ['y', 'passed']]);
  assert.match(cases[1]!.failure!.message, /x fails/);
  assert.equal(broken.result.ok, false);
  assert.equal(broken.text.trimEnd().split('\n').at(-1), '1 passed, 2 failed');
  const tap = readFileSync(join(broken.root, '_build', 'test', 'results.tap'), 'utf8');
  assert.equal(tap.trimEnd().split('\n').at(-1), '# 1 passed, 2 failed');
});
