// A test that calls process.exit while others run beside it (an inparallel set) ends the worker: that test fails, and
// the innocent ones still running then run again in a fresh worker instead of failing for it. Likewise an error a
// parallel test leaves after it returned is blamed on it, not on the test that happened to start first.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('exit-parallel');
after(() => removeCopy(run.root));

test('only the test that called process.exit fails; the one running beside it passes in a fresh worker', () => {
  assert.equal(run.find('parTests > exits').status, 'failed');
  assert.match(run.find('parTests > exits').failure!.message, /^it called process\.exit\(0\), which ended its worker$/);
  assert.equal(run.find('parTests > innocent').status, 'passed', run.find('parTests > innocent').failure?.text);
  assert.equal(run.find('parTests > quick').status, 'passed');
});

test('an error a parallel test throws after it returned fails that test, not the one that started first beside it', () => {
  assert.equal(run.find('lateTests > returns clean').status, 'passed', run.find('lateTests > returns clean').failure?.text);
  assert.equal(run.find('lateTests > throws late').status, 'failed');
  assert.match(run.find('lateTests > throws late').failure!.text, /after the test returned, uncaught exception: Error: late in parallel/);
});

test('the totals and the closing line count each of them once', () => {
  assert.deepEqual(run.result.counts, { passed: 3, failed: 2, skipped: 0, total: 5 });
  assert.equal(run.text.trimEnd().split('\n').at(-1), '3 passed, 2 failed');
});
