import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeedRangeError } from '@otp-ts/test-runner';
import { runFixture, fixtureCopy, removeCopy } from './helpers.ts';

const root = fixtureCopy('prop');
after(() => removeCopy(root));
const first = await runFixture('prop', { seed: 42 }, root);

test('a failing property reports its shrunk counterexample, the seed and the exact replay command', () => {
  const c = first.find('propAllSmall');
  assert.equal(c.status, 'failed');
  assert.equal(c.property?.failure?.counterexample, '[ 10 ]');
  assert.equal(c.property?.failure?.seed, 42);
  // Every parameter that decides what fast-check generates: the case, the seed, the run count and the path.
  assert.equal(c.property?.failure?.replay, `otp test test/lists.test.ts --case propAllSmall --seed 42 --numtests 100 --path ${c.property?.failure?.path}`);
  assert.match(c.property?.failure?.path ?? '', /^\d+(:\d+)*$/);
  assert.match(first.text, /counterexample: \[ 10 \]\n\s+seed: 42\n\s+replay: otp test test\/lists\.test\.ts --case propAllSmall --seed 42 --numtests 100 --path [\d:]+\n/);
  assert.equal(first.find('propReverseTwice').status, 'passed');
});

test('the failing seed is stored in _build/test/counterexamples.json with the run count it failed under', () => {
  const store = JSON.parse(readFileSync(join(root, '_build', 'test', 'counterexamples.json'), 'utf8'));
  assert.deepEqual(store, { 'test/lists.test.ts': { 'lists > propAllSmall': [{ seed: 42, numRuns: 100 }] } });
});

test('the next run tries the stored seed first, and --case selects one property', async () => {
  const again = await runFixture('prop', { seed: 7, case: ['propAllSmall'] }, root);
  assert.deepEqual(again.result.counts, { passed: 0, failed: 1, skipped: 0, total: 1 });
  assert.equal(again.find('propAllSmall').property?.failure?.seed, 42);
  assert.match(again.find('propAllSmall').failure!.message, /a stored counterexample still fails/);
});

test('runTests refuses a run count, job count or retry count out of bounds, as the CLI does, instead of passing every property unrun', async () => {
  for (const [options, says] of [
    [{ numRuns: 0 }, 'runTests: numRuns must be a whole number above 0, got 0'],
    [{ numRuns: 2.5 }, 'runTests: numRuns must be a whole number above 0, got 2.5'],
    [{ jobs: 0 }, 'runTests: jobs must be a whole number above 0, got 0'],
    [{ retry: -1 }, 'runTests: retry must be a whole number of retries, 0 or more, got -1'],
  ] as const) {
    await assert.rejects(runFixture('prop', options, root), (e: unknown) => e instanceof RangeError && e.message === says, JSON.stringify(options));
  }
});

test('runTests refuses a seed past 32 bits with the CLI\'s message, instead of silently replaying another seed', async () => {
  const stored = readFileSync(join(root, '_build', 'test', 'counterexamples.json'), 'utf8');
  for (const [options, says] of [
    [{ seed: 2 ** 32 + 42 }, '--seed must be a whole number from -2147483648 to 4294967295 (a seed a run printed), got 4294967338'],
    [{ seed: -(2 ** 31) - 1 }, '--seed must be a whole number from -2147483648 to 4294967295 (a seed a run printed), got -2147483649'],
    [{ shuffleSeed: 2 ** 40, shuffle: true }, '--seed must be a whole number from -2147483648 to 4294967295 (a seed a run printed), got 1099511627776'],
  ] as const) {
    await assert.rejects(runFixture('prop', options, root), (e: unknown) => e instanceof SeedRangeError && e instanceof RangeError && e.message === says, JSON.stringify(options));
  }
  // Refused before anything ran: the stored counterexamples are as they were.
  assert.equal(readFileSync(join(root, '_build', 'test', 'counterexamples.json'), 'utf8'), stored);
});
