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

test('a timer that blocks the worker after its test returned fails that test; the case running then is run again and passes', async () => {
  const blocked = await runFixture('late-block');
  try {
    const guilty = blocked.find('aGuiltyTest');
    assert.equal(guilty.status, 'failed');
    assert.match(guilty.failure!.message, /^after the test returned, a timer or promise it left was running when the worker was blocked for \d+ ms/);
    assert.equal(blocked.find('bInnocentTests > waits').status, 'passed');
    assert.equal(blocked.find('cAfterTest').status, 'passed');
    assert.deepEqual(blocked.result.counts, { passed: 2, failed: 1, skipped: 0, total: 3 });
  } finally {
    removeCopy(blocked.root);
  }
});
