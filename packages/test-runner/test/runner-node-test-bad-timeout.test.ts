import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('node-test-bad-timeout');
after(() => removeCopy(run.root));

const rule = 'a time limit is a whole number of milliseconds above 0, or Infinity for none';

test('a node:test timeout option of -1, NaN or text fails its test saying why, not "timed out after -1 ms"', () => {
  assert.equal(run.find('negative').status, 'failed');
  assert.equal(run.find('negative').failure!.message, `TypeError: the timeout option of test("negative") is -1: ${rule}`);
  assert.equal(run.find('nan').failure!.message, `TypeError: the timeout option of test("nan") is NaN: ${rule}`);
  assert.equal(run.find('text').failure!.message, `TypeError: the timeout option of test("text") is "200": ${rule}`);
  assert.equal(run.find('bad suite > inside').failure!.message, `TypeError: the timeout option of describe("bad suite") is -5: ${rule}`);
  assert.equal(run.find('bad hook > below it').status, 'failed');
  assert.match(run.find('bad hook > below it').failure!.message, /the timeout option of a before hook is -1: a time limit is a whole number/);
  for (const c of run.result.files.flatMap((f) => f.cases)) assert.doesNotMatch(c.failure?.text ?? '', /timed out/);
});

test('Infinity and undefined keep working, for tests and hooks', () => {
  for (const name of ['infinite', 'unset', 'fine', 'infinite hook > after it']) assert.equal(run.find(name).status, 'passed', name);
});
