// A callback-style node:test test that never calls done() times out saying so, not "a promise that never settled?":
// the user looks for the missing done() call, not for an unawaited promise.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('node-test-done-never');
after(() => removeCopy(run.root));

test('a test that takes done and never calls it times out naming done()', () => {
  const forgot = run.find('forgets done');
  assert.equal(forgot.status, 'failed');
  assert.match(forgot.failure!.text, /timed out after 300 ms: .* was waiting in its done callback \(done\(\) was never called\?\)/);
  assert.doesNotMatch(forgot.failure!.text, /never settled/);
  // A before hook that takes done and never calls it fails its suite's tests saying the same.
  assert.equal(run.find('inner').status, 'failed');
  assert.match(run.find('inner').failure!.text, /before hook forgets done failed: .*timed out after 300 ms: .* was waiting in its done callback \(done\(\) was never called\?\)/);
});

test('a promise that never settles is still named as such, and a test that calls done passes', () => {
  assert.match(run.find('awaits forever').failure!.text, /a promise that never settled\?/);
  assert.doesNotMatch(run.find('awaits forever').failure!.text, /done\(\)/);
  assert.equal(run.find('calls done').status, 'passed');
});
