// The documented examples run and do what docs/testing.md says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { atomic, readThenWrite, twoIncrementsAddTwo } from './examples/race.ts';
import { propKvMatchesItsModel } from './examples/kv-model.ts';

test('the interleaving explorer finds the lost update of two concurrent read-then-write increments', async () => {
  const racy = await fc.check(twoIncrementsAddTwo(readThenWrite), { numRuns: 100, seed: 42 });
  assert.equal(racy.failed, true, 'some interleaving loses an update');
  assert.match(String(racy.counterexample?.[0]), /task.*resolved/, 'the counterexample is the interleaving');
  const safe = await fc.check(twoIncrementsAddTwo(atomic), { numRuns: 100, seed: 42 });
  assert.equal(safe.failed, false, 'an atomic increment survives every interleaving');
});

test('the model-based example finds the forgotten delete and shrinks it to a short sequence; the right server passes', async () => {
  const buggy = await fc.check(propKvMatchesItsModel(true), { numRuns: 200, seed: 7 });
  assert.equal(buggy.failed, true, 'some sequence catches the forgotten delete');
  const shrunk = String(buggy.counterexample?.[0]);
  assert.match(shrunk, /delete\((\w)\).*get\(\1\)/, shrunk);
  assert.equal(shrunk.match(/\w+\(/g)?.length, 5, `shrunk to the shortest failing sequence (three puts, a delete, a get): ${shrunk}`);
  const right = await fc.check(propKvMatchesItsModel(false), { numRuns: 100, seed: 7 });
  assert.equal(right.failed, false, String(right.errorInstance));
});
