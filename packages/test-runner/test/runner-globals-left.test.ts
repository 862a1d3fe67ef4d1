import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('globals-left');
after(() => removeCopy(run.root));

test('a test that leaves a builtin or a global timer replaced fails, naming it; the runner puts it back and the next tests run normally', () => {
  const cases = run.result.files[0]!.cases;
  assert.deepEqual(cases.map((c) => [c.path.at(-1), c.status]), [
    ['firstTest', 'passed'],
    ['replacesMapTest', 'failed'],
    ['afterMapTest', 'passed'],
    ['replacesSetTimeoutTest', 'failed'],
    ['afterSetTimeoutTest', 'passed'],
    ['restoresTest', 'passed'],
    ['#1', 'passed'],
    ['lastTest', 'passed'],
  ]);
  assert.equal(run.find('replacesMapTest').failure!.message, 'the test left Array.prototype.map replaced and never restored it (the runner put it back for the tests after it)');
  assert.equal(run.find('replacesSetTimeoutTest').failure!.message, 'the test left the global setTimeout replaced and never restored it (the runner put it back for the tests after it)');
  assert.doesNotMatch(run.text, /exited with code|unhandled error outside/);
});
