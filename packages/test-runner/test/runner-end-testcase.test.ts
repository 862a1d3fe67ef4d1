import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, removeCopy } from './helpers.ts';

// Common Test: an end_per_testcase that returns {fail, Reason} marks a successful case failed; one that crashes leaves
// the result as it was and is reported. Every reporter and the closing line say the same.
const run = await runFixture('end-testcase-fail', { reporters: ['tty', 'junit', 'json', 'tap'] });
after(() => removeCopy(run.root));

test('endPerTestcase returning { fail: reason } fails a passing case, with the reason', () => {
  const c = run.find('ends > leaks');
  assert.equal(c.status, 'failed');
  assert.equal(c.failure!.message, 'endPerTestcase failed the case: leaks left a connection open');
});

test('a case that failed on its own keeps its own failure; a crashing endPerTestcase leaves a pass as it was, with a warning', () => {
  assert.match(run.find('ends > failsItself').failure!.message, /own failure/);
  assert.equal(run.find('ends > tidy').status, 'passed');
  const crashed = run.find('ends > crashesAfter');
  assert.equal(crashed.status, 'passed');
  assert.match(crashed.log!.join('\n'), /endPerTestcase failed .*cleanup crashed/);
});

test('the closing line, JSON, JUnit and TAP agree on the counts', () => {
  assert.deepEqual(run.result.counts, { passed: 2, failed: 2, skipped: 0, total: 4 });
  assert.equal(run.text.trimEnd().split('\n').at(-1), '2 passed, 2 failed');
  const json = JSON.parse(readFileSync(join(run.root, '_build', 'test', 'results.json'), 'utf8')) as { counts: unknown };
  assert.deepEqual(json.counts, run.result.counts);
  const xml = readFileSync(join(run.root, '_build', 'test', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuites name="otp test" tests="4" failures="2" errors="0" skipped="0"/);
  assert.match(xml, /<testcase name="leaks"[^>]*>\n {6}<failure message="endPerTestcase failed the case: leaks left a connection open"/);
  const tap = readFileSync(join(run.root, '_build', 'test', 'results.tap'), 'utf8').trimEnd().split('\n');
  assert.equal(tap.at(-1), '# 2 passed, 2 failed');
  assert.equal(tap.filter((l) => l.startsWith('not ok ')).length, 2);
  // The crashed endPerTestcase, a warning in tty, JUnit and JSON, is a TAP comment too.
  assert.ok(tap.some((l) => /^# warning: test\/ends\.suite\.ts: ends > crashesAfter: endPerTestcase failed .*cleanup crashed/.test(l)), tap.join('\n'));
});
