import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('prop-truth', { seed: 42 });
after(() => removeCopy(run.root));

test('a property that holds but leaves an unhandled rejection fails with it, as a test does; the run is red', () => {
  const c = run.find('propLeavesRejection');
  assert.equal(c.status, 'failed');
  assert.match(c.failure!.message, /unhandled rejection: Error: a rejection the property left/);
  assert.match(c.failure!.text, /truth\.test\.ts:5:/);
  assert.equal(run.find('propHolds').status, 'passed');
  assert.equal(run.result.ok, false);
  assert.equal(run.text.trimEnd().split('\n').at(-1), '1 passed, 1 failed');
});
