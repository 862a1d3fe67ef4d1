import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('bad-limits');
after(() => removeCopy(run.root));

test('a time limit that is no whole number of ms above 0 (timeout(-1, ...), NaN, a timetrap as text) fails saying so, not as an instant timeout or a blocked worker', () => {
  const outcomes = run.result.files.flatMap((f) => f.cases.map((c) => [c.path.join(' > '), c.status, c.failure?.message ?? '']));
  const rule = 'a time limit is a whole number of milliseconds above 0, or Infinity for none';
  assert.deepEqual(outcomes.sort(), [
    ['sets > firstTest', 'passed', ''],
    ['sets > lastTest', 'passed', ''],
    ['sets > nanTests', 'failed', `Error: the generator nanTests returned a bad test set: the time limit of timeout(ms, tests) is NaN: ${rule}`],
    ['sets > negativeTests', 'failed', `Error: the generator negativeTests returned a bad test set: the time limit of timeout(ms, tests) is -1: ${rule}`],
    ['trap > all', 'failed', `Error: the suite's all(), groups() or suite() gave no plan: suite()'s timetrap is "200": ${rule}`],
  ]);
  assert.deepEqual(run.result.files.flatMap((f) => f.warnings), []);
});
