import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('node-test-subtest');
after(() => removeCopy(run.root));

test('a node:test subtest (t.test or test() inside a test) fails its test with a message saying so, not a TypeError; the other tests run', () => {
  assert.deepEqual(run.result.files[0]!.cases.map((c) => [c.path.slice(1).join(' > '), c.status]), [
    ['before', 'passed'],
    ['with t.test', 'failed'],
    ['with test()', 'failed'],
    ['after', 'passed'],
  ]);
  assert.equal(run.find('with t.test').failure!.message, 'Error: otp test: t.test("inner") creates a subtest inside a running test, which otp test does not run: make it a test() of its own, grouped with its siblings in a describe()');
  assert.equal(run.find('with test()').failure!.message, 'Error: otp test: test(), describe() and hooks must be called while the file loads, not inside a running test');
});
