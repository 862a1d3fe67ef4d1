import { test } from 'node:test';
import assert from 'node:assert/strict';
import { updateStore, type FileResult, type CaseResult } from '@otp-ts/test-runner';

const prop = (name: string, property: CaseResult['property']): CaseResult => ({ id: name, file: 'a.test.ts', name, path: ['a', name], status: property?.failure ? 'failed' : 'passed', durationMs: 1, property });
const file = (cases: CaseResult[]): FileResult => ({ file: 'a.test.ts', cases, durationMs: 1, warnings: [], output: '' });
const failure = (seed: number) => ({ seed, path: '0:1', counterexample: '[10]', numRuns: 1, numShrinks: 3, replay: `otp test a.test.ts --case p --seed ${seed}` });

test('a failing property adds its seed; a stored seed that now passes is dropped; other entries stay', () => {
  const store = { 'a.test.ts': { 'a > old': [5] }, 'b.test.ts': { 'b > p': [9] } };
  const next = updateStore(store, [file([prop('p', { seed: 1, numRuns: 1, failure: failure(1) }), prop('old', { seed: 2, numRuns: 100, fixedSeeds: [5] })])]);
  assert.deepEqual(next, { 'a.test.ts': { 'a > p': [1] }, 'b.test.ts': { 'b > p': [9] } });
  assert.deepEqual(store['a.test.ts'], { 'a > old': [5] }, 'the input is not modified');
});

test('a stored seed that still fails is kept once', () => {
  const next = updateStore({ 'a.test.ts': { 'a > p': [3] } }, [file([prop('p', { seed: 3, numRuns: 1, failure: failure(3) })])]);
  assert.deepEqual(next, { 'a.test.ts': { 'a > p': [3] } });
});

test('a counterexample is stored with the run count it failed under, and retired only by a check under it', () => {
  const failing = { ...failure(4), numRuns: 138, maxRuns: 200 };
  const stored = updateStore({}, [file([prop('p', { seed: 4, numRuns: 138, failure: failing })])]);
  assert.deepEqual(stored, { 'a.test.ts': { 'a > p': [{ seed: 4, numRuns: 200 }] } });
  const stillThere = updateStore(stored, [file([prop('p', { seed: 9, numRuns: 100 })])]);
  assert.deepEqual(stillThere, stored, 'a passing run of another seed retires nothing');
  assert.deepEqual(updateStore(stored, [file([prop('p', { seed: 9, numRuns: 100, fixedSeeds: [4] })])]), {});
});
