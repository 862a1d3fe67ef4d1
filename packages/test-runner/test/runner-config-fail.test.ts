import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, removeCopy } from './helpers.ts';

// A failed configuration function (an init that auto-skipped cases, an end function) fails the run as a failed case of
// its own, so the closing line, the exit code and every reporter's file say the run failed, as Common Test reports it.
const run = await runFixture('config-fail', { reporters: ['tty', 'junit', 'json', 'tap'] });
after(() => removeCopy(run.root));

const fileOf = (name: string) => run.result.files.find((f) => f.file.endsWith(name))!;

test('a throwing endPerGroup is a failed configuration function: the cases keep their passes and the file fails once', () => {
  const f = fileOf('endgroup.suite.ts');
  assert.deepEqual(f.cases.map((c) => [c.path.join(' > '), c.status]), [['endgroup > first', 'passed'], ['endgroup > db > inDb', 'passed'], ['endgroup > db > endPerGroup(db) failed', 'failed']]);
  assert.match(f.cases[2]!.failure!.message, /^endPerGroup\(db\) failed: endgroup > db: Error: cannot drop table/);
  assert.equal(run.result.ok, false);
});

test('a failed init, a failed end, a failed initPerTestcase and a failed endPerSuite in one suite: one failed case each, in place', () => {
  const f = fileOf('mixed.suite.ts');
  const failed = f.cases.filter((c) => c.status === 'failed');
  assert.deepEqual(failed.map((c) => c.path.join(' > ')), ['mixed > bad > initPerGroup(bad) failed', 'mixed > good > endPerGroup(good) failed', 'mixed > initPerTestcase(guarded) failed', 'mixed > endPerSuite failed'], JSON.stringify(f.cases, null, 2));
  for (const [i, why] of ['no database', 'cannot drop table', 'no fixture for guarded', 'suite teardown failed'].entries()) assert.match(failed[i]!.failure!.text, new RegExp(why));
  assert.deepEqual(f.cases.map((c) => c.name), ['first', 'initPerGroup(bad) failed', 'inBad1', 'inBad2', 'inGood', 'endPerGroup(good) failed', 'initPerTestcase(guarded) failed', 'guarded', 'endPerSuite failed']);
  assert.deepEqual(f.cases.filter((c) => c.autoSkipped).map((c) => c.name), ['inBad1', 'inBad2', 'guarded']);
  assert.deepEqual(f.cases.filter((c) => c.status === 'passed').map((c) => c.name), ['first', 'inGood']);
});

test('the closing line counts the failed configuration functions, and the JSON and JUnit files agree with it', () => {
  assert.deepEqual(run.result.counts, { passed: 4, failed: 5, skipped: 3, total: 12 });
  assert.equal(run.text.trimEnd().split('\n').at(-1), '4 passed, 5 failed, 3 skipped');
  const json = JSON.parse(readFileSync(join(run.root, '_build', 'test', 'results.json'), 'utf8')) as { ok: boolean; counts: unknown };
  assert.equal(json.ok, false);
  assert.deepEqual(json.counts, run.result.counts);
  const xml = readFileSync(join(run.root, '_build', 'test', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuites name="otp test" tests="12" failures="5" errors="3" skipped="0"/);
  assert.match(xml, /<testsuite name="test\/mixed.suite.ts" tests="9" failures="4" errors="3" skipped="0"/);
  const tap = readFileSync(join(run.root, '_build', 'test', 'results.tap'), 'utf8').trimEnd().split('\n');
  assert.equal(tap.at(-1), '# 4 passed, 5 failed, 3 skipped');
  // The three auto-skips fail the run, as JUnit's errors say: TAP has them as `not ok` too, never as skips.
  assert.equal(tap.filter((l) => l.startsWith('not ok ')).length, 8);
  assert.equal(tap.filter((l) => / # SKIP /.test(l)).length, 0);
  assert.match(xml, /<testcase name="db &gt; endPerGroup\(db\) failed"[^>]*>\n {6}<failure message="endPerGroup\(db\) failed: endgroup &gt; db: Error: cannot drop table/);
});
