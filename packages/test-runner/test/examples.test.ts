// The documented examples run and do what docs/testing.md says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { atomic, readThenWrite, twoIncrementsAddTwo } from './examples/race.ts';

test('the interleaving explorer finds the lost update of two concurrent read-then-write increments', async () => {
  const racy = await fc.check(twoIncrementsAddTwo(readThenWrite), { numRuns: 100, seed: 42 });
  assert.equal(racy.failed, true, 'some interleaving loses an update');
  assert.match(String(racy.counterexample?.[0]), /task.*resolved/, 'the counterexample is the interleaving');
  const safe = await fc.check(twoIncrementsAddTwo(atomic), { numRuns: 100, seed: 42 });
  assert.equal(safe.failed, false, 'an atomic increment survives every interleaving');
});
