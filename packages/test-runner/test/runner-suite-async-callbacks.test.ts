import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('suite-async-callbacks');
after(() => removeCopy(run.root));

const outcome = (file: string): Array<[string, string, string]> =>
  run.result.files.find((f) => f.file === `test/${file}.suite.ts`)!.cases.map((c) => [c.path.slice(1).join(' > '), c.status, c.failure?.message ?? c.skipReason ?? '']);

test('an async all(), groups() or suite() fails the suite saying so: an async suite() never loses its require unseen', () => {
  const why = (what: string): string => `Error: the suite's all(), groups() or suite() gave no plan: ${what} returned a Promise: all(), groups() and suite() give their value at once (not async); do async work in initPerSuite`;
  assert.deepEqual(outcome('info'), [['all', 'failed', why('suite()')]]);
  assert.deepEqual(outcome('groups'), [['all', 'failed', why('groups()')]]);
  assert.deepEqual(outcome('list'), [['all', 'failed', why('all()')]]);
  assert.equal(run.result.ok, false);
  assert.deepEqual(run.result.files.flatMap((f) => f.warnings), []);
});
