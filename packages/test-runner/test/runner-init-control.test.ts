import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCopy, runFixture, removeCopy } from './helpers.ts';

// Common Test: an init_per_testcase returning {skip, Reason} skips its case and {fail, Reason} fails it, neither
// running the case nor end_per_testcase; init_per_group's {skip, Reason} skips its cases, {fail, Reason} auto-skips
// them as a crash would; a case's own {fail, R} and {skip, R} return values fail and skip it. end_per_testcase sees the case's status (tc_status: ok, {failed, R}, {skipped, R}).
const root = fixtureCopy('init-control');
const log = join(root, 'ends.log');
const run = await runFixture('init-control', { config: { log }, reporters: ['tty', 'junit', 'json'] }, root);
after(() => removeCopy(run.root));

test('initPerTestcase returning { skip: reason } skips its case, unrun', () => {
  const c = run.find('control > skippedByInit');
  assert.equal(c.status, 'skipped');
  assert.equal(c.skipReason, 'no database here');
  assert.equal(c.autoSkipped, undefined);
});

test('initPerTestcase returning { fail: reason } fails its case, unrun, with the reason', () => {
  const c = run.find('control > failedByInit');
  assert.equal(c.status, 'failed');
  assert.equal(c.failure!.message, 'initPerTestcase failed the case: database down');
});

test('initPerGroup returning { skip } skips its cases; { fail } auto-skips them and fails as a crashed init does', () => {
  assert.equal(run.find('off > inOff').status, 'skipped');
  assert.equal(run.find('off > inOff').skipReason, 'group switched off');
  const down = run.find('down > inDown');
  assert.equal(down.status, 'skipped');
  assert.equal(down.autoSkipped, true);
  assert.match(down.skipReason!, /initPerGroup\(down\) failed: .*group backend down/);
  assert.equal(run.find('initPerGroup(down) failed').status, 'failed');
});

test('a case returning { fail: reason } fails and one returning { skip: reason } is skipped, as CT cases do', () => {
  const failed = run.find('control > returnsFail');
  assert.equal(failed.status, 'failed');
  assert.equal(failed.failure!.message, 'Error: the case returned { fail: wrong answer }');
  assert.equal(run.find('control > returnsSkip').status, 'skipped');
  assert.equal(run.find('control > returnsSkip').skipReason, 'not applicable');
});

test('endPerTestcase runs after the cases that ran, with their status, and not after an init that skipped or failed', () => {
  const ends = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
  assert.deepEqual(ends, [['runs', 'ok'], ['failsOwn', { failed: 'Error: own failure' }], ['skipsOwn', { skipped: 'not today' }], ['returnsFail', { failed: 'Error: the case returned { fail: wrong answer }' }], ['returnsSkip', { skipped: 'not applicable' }]]);
});

test('the closing line, JSON and JUnit agree', () => {
  assert.deepEqual(run.result.counts, { passed: 1, failed: 4, skipped: 5, total: 10 });
  assert.equal(run.result.ok, false);
  assert.equal(run.text.trimEnd().split('\n').at(-1), '1 passed, 4 failed, 5 skipped');
  const json = JSON.parse(readFileSync(join(run.root, '_build', 'test', 'results.json'), 'utf8')) as { counts: unknown };
  assert.deepEqual(json.counts, run.result.counts);
  assert.match(readFileSync(join(run.root, '_build', 'test', 'junit.xml'), 'utf8'), /<testcase name="failedByInit"[^>]*>\n\s*<failure message="initPerTestcase failed the case: database down"/);
});
