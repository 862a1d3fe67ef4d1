import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

// A case failing in a parallel group is reported once, as its own failure: its process's crash is not also a file
// warning ("Error in process <…>"), as it was when no case ran alone to take the crash report.
const run = await runFixture('parallel-fail');
after(() => removeCopy(run.root));

test('a failing case of a parallel group fails once, and its crash is no file warning', () => {
  assert.equal(run.find('both > fails').status, 'failed');
  assert.equal(run.find('both > fails').failure!.message, 'values are not deeply equal');
  assert.equal(run.find('both > passes').status, 'passed');
  assert.deepEqual(run.result.counts, { passed: 1, failed: 1, skipped: 0, total: 2 });
  assert.deepEqual(run.result.files[0]!.warnings, []);
});
