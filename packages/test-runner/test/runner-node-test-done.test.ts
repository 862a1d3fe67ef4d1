// A callback-style node:test test that calls done() more than once, or also returns a promise, fails as under
// node --test (which says 'callback invoked multiple times' / 'passed a callback but also returned a Promise'):
// never a pass that hid the mistake. A second call made after the test ended fails that test, not the next one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('node-test-done');
after(() => removeCopy(run.root));

test('done() called twice, in the same tick or later, or with a returned promise: the test fails saying so', () => {
  assert.equal(run.find('calls done once').status, 'passed');
  assert.equal(run.find('after them').status, 'passed', run.find('after them').failure?.text);
  for (const name of ['calls done twice', 'calls done twice in a tick', 'calls done again later']) {
    assert.equal(run.find(name).status, 'failed', name);
    assert.match(run.find(name).failure!.text, /done\(\) was called 2 times: call it once, when the test has finished/, name);
  }
  assert.match(run.find('takes done and returns a promise').failure!.text, /takes a done callback and also returned a promise: use one of them/);
  assert.deepEqual(run.result.counts, { passed: 2, failed: 4, skipped: 0, total: 6 });
  assert.equal(run.result.ok, false);
});
