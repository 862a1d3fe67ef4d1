import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('async-generator');
after(() => removeCopy(run.root));

test('an async generator fails alone, saying a generator returns its test set at once; its rejection is no stray error', () => {
  const file = run.result.files[0]!;
  assert.deepEqual(file.cases.map((c) => [c.path.slice(1).join(' > '), c.status]), [
    ['firstTest', 'passed'],
    ['cartTests', 'failed'],
    ['rejectsTests', 'failed'],
    ['lastTest', 'passed'],
  ]);
  const why = 'Error: bad test set: not a test set: a Promise (an async generator?); a generator returns its test set at once: do the async work in setup() or in the tests';
  assert.equal(run.find('cartTests').failure!.message, why);
  assert.equal(run.find('rejectsTests').failure!.message, why);
  assert.deepEqual(file.warnings, []);
  assert.deepEqual(run.result.counts, { passed: 2, failed: 2, skipped: 0, total: 4 });
});
