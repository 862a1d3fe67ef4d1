import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const [run, ends] = await Promise.all([runFixture('init'), runFixture('end-testcase')]);
after(() => [run, ends].forEach((r) => removeCopy(r.root)));

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
  const init = run.result.files.flatMap((f) => f.cases).find((x) => x.name === 'initPerGroup(bad) failed');
  assert.equal(init?.status, 'failed', 'the failed init is counted as a failed case');
  assert.match(init.failure!.message, /^initPerGroup\(bad\) failed: its 1 case\(s\) were auto-skipped: Error: no database/);
});

test('an init function that calls skip skips every case below it', () => {
  assert.equal(run.find('later > inLater').status, 'skipped');
  assert.equal(run.find('later > inLater').skipReason, 'needs a peer node');
});

test('an EUnit setup that throws fails each of its tests, and all are counted', () => {
  const cases = run.result.files.find((f) => f.file.endsWith('setup.test.ts'))!.cases;
  assert.equal(cases.length, 2);
  assert.ok(cases.every((c) => c.status === 'failed' && /cannot start/.test(c.failure!.message)));
  // The failed initPerGroup(bad) of broken.suite.ts is one more failed case (a failed configuration function).
  assert.deepEqual(run.result.counts, { passed: 1, failed: 4, skipped: 2, total: 7 });
});

test('a failing endPerTestcase leaves the result of its case as it was and is a warning, as in Common Test', () => {
  assert.equal(ends.find('cleanup > passes').status, 'passed');
  assert.equal(ends.find('cleanup > slowEnd').status, 'passed');
  assert.equal(ends.find('cleanup > fails').status, 'failed');
  assert.match(ends.find('cleanup > fails').failure!.message, /expected a truthy value/);
  const warnings = ends.result.files[0]!.warnings;
  assert.ok(warnings.some((w) => /^cleanup > passes: endPerTestcase failed \(the case keeps its result, as in Common Test\): Error: cannot clean up after passes/.test(w)), warnings.join('\n'));
  assert.ok(warnings.some((w) => /^cleanup > slowEnd: endPerTestcase failed .*timed out after 300 ms/.test(w)), warnings.join('\n'));
  assert.ok(ends.find('cleanup > passes').log!.some((l) => /^WARNING: .*cannot clean up after passes/.test(l)));
  assert.deepEqual(ends.result.counts, { passed: 2, failed: 1, skipped: 0, total: 3 });
});
