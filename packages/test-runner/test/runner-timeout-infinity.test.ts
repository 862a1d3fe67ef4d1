import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

// Infinity is longer than a timer takes: used as a delay, it would fire at once and time every such test out.
const run = await runFixture('timeout-infinity', { numRuns: 5 });
after(() => removeCopy(run.root));

test("a time limit of Infinity (node:test timeout, timeout(Infinity, ...), a CT timetrap) means no limit, not an instant timeout", () => {
  const outcomes = run.result.files.flatMap((f) => f.cases.map((c) => [c.path.join(' > '), c.status, c.failure?.message ?? '']));
  assert.deepEqual(outcomes.sort(), [
    ['ct > waits', 'passed', ''],
    ['eunit > propQuick', 'passed', ''],
    ['eunit > unboundedTests > waits', 'passed', ''],
    ['nodestyle > waits with timeout Infinity', 'passed', ''],
  ]);
  assert.deepEqual(run.result.files.flatMap((f) => f.warnings), []);
});
