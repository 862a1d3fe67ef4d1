import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, removeCopy } from './helpers.ts';

// A failed configuration function (an init that auto-skipped cases, an end function) fails the run as one failed case of
// its file, so the closing line, the exit code and every reporter's file say the run failed, as Common Test reports it.
const run = await runFixture('config-fail', { reporters: ['tty', 'junit', 'json', 'tap'] });
after(() => removeCopy(run.root));

const fileOf = (name: string) => run.result.files.find((f) => f.file.endsWith(name))!;

test('a throwing endPerGroup is a failed configuration function: the cases keep their passes and the file fails once', () => {
  const f = fileOf('endgroup.suite.ts');
  assert.deepEqual(f.cases.map((c) => [c.name, c.status]), [['endPerGroup(db) failed', 'failed'], ['first', 'passed'], ['inDb', 'passed']]);
  assert.match(f.cases[0]!.failure!.message, /^endPerGroup\(db\) failed: endgroup > db: Error: cannot drop table/);
  assert.equal(run.result.ok, false);
});

test('a failed init, a failed end, a failed initPerTestcase and a failed endPerSuite in one suite: one failed case naming each', () => {
  const f = fileOf('mixed.suite.ts');
  const failed = f.cases.filter((c) => c.status === 'failed');
  assert.equal(failed.length, 1, JSON.stringify(f.cases, null, 2));
  assert.equal(failed[0]!.name, 'initPerGroup(bad) failed; endPerGroup(good) failed; initPerTestcase failed; endPerSuite failed');
  for (const why of ['no database', 'cannot drop table', 'no fixture for guarded', 'suite teardown failed']) assert.match(failed[0]!.failure!.text, new RegExp(why));
  assert.deepEqual(f.cases.filter((c) => c.autoSkipped).map((c) => c.name), ['inBad1', 'inBad2', 'guarded']);
  assert.deepEqual(f.cases.filter((c) => c.status === 'passed').map((c) => c.name), ['first', 'inGood']);
});

test('the closing line counts the failed configuration functions, and the JSON and JUnit files agree with it', () => {
  assert.deepEqual(run.result.counts, { passed: 4, failed: 2, skipped: 3, total: 9 });
  assert.equal(run.text.trimEnd().split('\n').at(-1), '4 passed, 2 failed, 3 skipped');
  const json = JSON.parse(readFileSync(join(run.root, '_build', 'test', 'results.json'), 'utf8')) as { ok: boolean; counts: unknown };
  assert.equal(json.ok, false);
  assert.deepEqual(json.counts, run.result.counts);
  const xml = readFileSync(join(run.root, '_build', 'test', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuites name="otp test" tests="9" failures="2" errors="3" skipped="0"/);
  const tap = readFileSync(join(run.root, '_build', 'test', 'results.tap'), 'utf8').trimEnd().split('\n');
  assert.equal(tap.at(-1), '# 4 passed, 2 failed, 3 skipped');
  assert.equal(tap.filter((l) => l.startsWith('not ok ')).length, 2);
  assert.equal(tap.filter((l) => / # SKIP /.test(l)).length, 3);
  assert.match(xml, /<testcase name="endPerGroup\(db\) failed"[^>]*>\n {6}<failure message="endPerGroup\(db\) failed: endgroup &gt; db: Error: cannot drop table/);
});
