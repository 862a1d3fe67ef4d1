// A cleanup (a node:test after hook, an EUnit setup's cleanup) that ends the worker with process.exit(0) fails the file
// as a failed cleanup does, instead of passing it with a warning; the tests after it still run in a fresh worker.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('exit-cleanup');
after(() => removeCopy(run.root));
const file = (name: string) => run.result.files.find((f) => f.file === `test/${name}`)!;
// Each case's name and status, the file's own failed case (listed first) included.
const outcomes = (name: string) => Object.fromEntries(file(name).cases.map((c) => [c.name, c.status]));

test('a node:test after hook that calls process.exit(0) fails its file as a cleanup failure; its tests keep their passes', () => {
  assert.deepEqual(outcomes('after.test.ts'), { one: 'passed', two: 'passed', 'a cleanup failed': 'failed' });
  assert.match(file('after.test.ts').cases.find((c) => c.name === 'a cleanup failed')!.failure!.text, /exited with code 0 .*while a cleanup ran/);
});

test('an EUnit setup cleanup that calls process.exit(0) fails as a cleanup, and the test after it runs and passes', () => {
  assert.deepEqual(outcomes('setup.test.ts'), { 'uses the fixture': 'passed', afterTest: 'passed', 'a cleanup failed': 'failed' });
});

test('the run fails, and the closing line counts each failure once', () => {
  assert.equal(run.result.ok, false);
  assert.equal(run.text.trimEnd().split('\n').at(-1), '4 passed, 2 failed');
});
