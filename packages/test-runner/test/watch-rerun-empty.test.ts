// A watch rerun that runs no test (`otp test --watch --grep foo`, a changed file with no matching case) is written to
// the session's JSON, JUnit and TAP reports with the earlier files' outcomes: the session ran tests, so the reports say
// what they did, not "no test ran" as a failure; a session no file of which ran a test still says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson, toJunitXml, toTap, type CaseResult, type FileResult, type RunResult } from '@otp-ts/test-runner';
import { withEarlierFiles } from '../src/result.ts';

const kase = (file: string, name: string, status: CaseResult['status']): CaseResult => ({ id: name, file, name, path: [file, name], status, durationMs: 1 });
const fileOf = (file: string, cases: CaseResult[]): FileResult => ({ file, cases, durationMs: 5, warnings: [], output: '' });
const noMatch = '--grep foo matched no test; closest: b > bTest';
// The rerun of test/b.test.ts: no case matches --grep foo.
const rerun: RunResult = { ok: false, counts: { passed: 0, failed: 0, skipped: 0, total: 0 }, files: [fileOf('test/b.test.ts', [])], durationMs: 5, noTests: noMatch };

test('a rerun that ran no test, with earlier files that passed: the session report passes and says no "no test ran"', () => {
  const session = withEarlierFiles(rerun, [fileOf('test/a.test.ts', [kase('test/a.test.ts', 'fooTest', 'passed')]), fileOf('test/b.test.ts', [])]);
  assert.equal(session.ok, true);
  assert.equal(session.noTests, undefined);
  assert.deepEqual(session.counts, { passed: 1, failed: 0, skipped: 0, total: 1 });
  assert.doesNotMatch(toTap(session), /not ok|no test ran/);
  assert.doesNotMatch(toJunitXml(session), /no test ran|failures="[1-9]/);
  assert.equal((JSON.parse(toJson(session)) as { ok: boolean; noTests?: string }).noTests, undefined);
});

test('a rerun that ran no test, with an earlier failure: the session still fails, on that failure alone', () => {
  const session = withEarlierFiles(rerun, [fileOf('test/a.test.ts', [kase('test/a.test.ts', 'fooTest', 'failed')])]);
  assert.equal(session.ok, false);
  assert.equal(session.noTests, undefined);
  assert.match(toTap(session), /^not ok 1 - .*fooTest$/m);
});

test('a session in which no file ran a test keeps the rerun\'s "no test ran"', () => {
  const session = withEarlierFiles(rerun, [fileOf('test/b.test.ts', [])]);
  assert.equal(session.ok, false);
  assert.equal(session.noTests, noMatch);
  assert.match(toTap(session), /not ok 1 - no test ran/);
});
