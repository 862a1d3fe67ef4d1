import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('hostile-suites', { reporters: ['tty'], htmlLogs: false });
after(() => removeCopy(run.root));

const outcomes = (file: string): string[][] => run.result.files.find((f) => f.file === file)!.cases.map((c) => [c.path.join(' > '), c.status]);

test('a suite whose all() throws is one failed case naming it, with the user\'s frame and no runner frame; its property still runs', () => {
  assert.deepEqual(outcomes('test/allthrows.suite.ts'), [['allthrows > all', 'failed'], ['allthrows > propStillRuns', 'passed']]);
  const text = run.find('allthrows > all').failure!.text;
  assert.match(text, /^the suite's all\(\), groups\(\) or suite\(\) gave no plan: Error: all\(\) is broken\n\s+at .*allthrows\.suite\.ts:5:/);
  assert.doesNotMatch(text, /worker crashed|test-runner[\\/]dist/);
});

test('a group without a cases list, or repeated a billion times, fails alone naming what is wrong; the other entries run', () => {
  assert.deepEqual(outcomes('test/badgroups.suite.ts'), [
    ['badgroups > first', 'passed'],
    ['badgroups > noCases', 'failed'],
    ['badgroups > huge', 'failed'],
    ['badgroups > fine > first', 'passed'],
    ['badgroups > last', 'passed'],
  ]);
  assert.equal(run.find('badgroups > noCases').failure!.message, "Error: bad group: group 'noCases' of groups() must give an array, not null");
  assert.equal(run.find('badgroups > huge').failure!.message, "Error: bad group: group 'huge' repeats 1000000000 times: a whole number from 1 to 10000 is expected");
  assert.deepEqual(run.result.counts, { passed: 4, failed: 3, skipped: 0, total: 7 });
  assert.equal(run.text.trimEnd().split('\n').at(-1), '4 passed, 3 failed');
});
