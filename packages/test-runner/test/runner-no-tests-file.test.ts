import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('no-tests');
after(() => removeCopy(run.root));

const warnings = (file: string): readonly string[] => run.result.files.find((f) => f.file === file)!.warnings;

test('a test file that exports no test is named in a warning saying why, not reported as a silent pass', () => {
  assert.deepEqual(warnings('test/helpers-only.test.ts').filter((w) => /holds no test/.test(w)).length, 1);
  assert.match(warnings('test/helpers-only.test.ts')[0]!, /^test\/helpers-only\.test\.ts holds no test: it exports no function whose name ends in Test/);
  assert.match(run.text, /⚠ test\/helpers-only\.test\.ts: test\/helpers-only\.test\.ts holds no test/);
});

test('a node:test file whose describe registers no test is warned about too', () => {
  assert.match(warnings('test/empty-describe.test.ts').join('\n'), /holds no test: its describe\(\) blocks register no test\(\)/);
});

test('a file with tests gets no such warning, and the run still passes: only a run selecting no test at all fails', () => {
  assert.deepEqual(warnings('test/real.test.ts'), []);
  assert.equal(run.result.ok, true);
  assert.deepEqual(run.result.counts, { passed: 2, failed: 0, skipped: 0, total: 2 });
});

test('an export named as a test that is not a function is warned about, naming it, the file and the shape expected', () => {
  const file = 'test/shaped-wrong.test.ts';
  assert.deepEqual(warnings(file), [
    `${file} exports cartTests as an array, not a function: it is no test and was not run; a name ending in Tests must be a generator function returning the test set (export function cartTests() { return [...]; })`,
    `${file} exports shopTest as an object, not a function: it is no test and was not run; a name ending in Test must be the test function (export function shopTest() { ... })`,
  ]);
  assert.match(run.text, /⚠ test\/shaped-wrong\.test\.ts: test\/shaped-wrong\.test\.ts exports cartTests as an array, not a function/);
  assert.equal(run.find('shaped-wrong > realTest').status, 'passed');
});

test('a filter that selects none of a file\'s tests warns about nothing', async () => {
  const filtered = await runFixture('no-tests', { paths: ['test/real.test.ts'], grep: 'nomatch', passWithNoTests: true }, run.root);
  assert.deepEqual(filtered.result.files.flatMap((f) => f.warnings), []);
});
