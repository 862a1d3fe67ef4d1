import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

// The guilty case's error comes one turn after it returned, before the runner finished winding the case up:
// however fast or loaded the machine, it is reported as after the test returned, never as if it threw while running.
const run = await runFixture('late-watched');
after(() => removeCopy(run.root));

test('an error a case causes after it returned is labelled so even while the runner still watches the case', () => {
  const soon = run.find('soonTest');
  assert.equal(soon.status, 'failed');
  assert.match(soon.failure!.message, /^after the test returned, uncaught exception: Error: soon boom from soonTest/);
  const during = run.find('duringTest');
  assert.equal(during.status, 'failed');
  assert.doesNotMatch(during.failure!.message, /after the test returned/);
});
