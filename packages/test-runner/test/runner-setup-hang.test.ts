import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('setup-hang');
after(() => removeCopy(run.root));

test('a foreach setup that never finishes fails its test naming the setup, not only the pid that was awaiting', () => {
  const hung = run.find('hangingSetupTests > #1');
  assert.equal(hung.status, 'failed');
  assert.match(hung.failure!.message, /^the foreach setup of hang > hangingSetupTests never finished: timed out after 200 ms: <[\d.]+> was awaiting/);
  assert.equal(run.find('afterTest').status, 'passed');
});
