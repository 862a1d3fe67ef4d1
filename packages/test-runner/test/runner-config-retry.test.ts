import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

// --retry runs a file whose initPerSuite failed again whole: the cases it auto-skipped take their outcome in the retry.
const run = await runFixture('config-flaky', { retry: 1 });
after(() => removeCopy(run.root));

test('an initPerSuite that fails once is flaky under --retry: its cases run in the retry and pass, and the run passes', () => {
  const cases = run.result.files[0]!.cases;
  assert.deepEqual(cases.map((c) => [c.name, c.status, c.autoSkipped ?? false]), [['initPerSuite failed', 'passed', false], ['one', 'passed', false], ['two', 'passed', false]]);
  assert.equal(cases[0]!.flaky, true);
  assert.equal(run.result.ok, true, run.text);
  assert.equal(run.text.trimEnd().split('\n').at(-1), '3 passed, 0 failed');
});
