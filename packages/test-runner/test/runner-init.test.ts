import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('init');
after(() => removeCopy(run.root));

test('a case that hits its timetrap fails with where it waited, and endPerTestcase still runs for it', () => {
  assert.match(run.find('broken > hangs').failure!.message, /timed out after 100 ms: <0\.\d+\.0> was waiting/);
  assert.equal(run.find('endRan').status, 'passed', run.find('endRan').failure?.text);
});

test('a suite init function that throws auto-skips every case below it with its error, as Common Test does', () => {
  const c = run.find('bad > inBad');
  assert.equal(c.status, 'skipped');
  assert.equal(c.skipReason, 'initPerGroup(bad) failed: Error: no database');
  assert.equal(c.autoSkipped, true);
  assert.equal(run.result.ok, false, 'an auto-skip fails the run');
});

test('an init function that calls skip skips every case below it', () => {
  assert.equal(run.find('later > inLater').status, 'skipped');
  assert.equal(run.find('later > inLater').skipReason, 'needs a peer node');
});

test('an EUnit setup that throws fails each of its tests, and all are counted', () => {
  const cases = run.result.files.find((f) => f.file.endsWith('setup.test.ts'))!.cases;
  assert.equal(cases.length, 2);
  assert.ok(cases.every((c) => c.status === 'failed' && /cannot start/.test(c.failure!.message)));
  assert.deepEqual(run.result.counts, { passed: 1, failed: 3, skipped: 2, total: 6 });
});
