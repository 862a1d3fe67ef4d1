import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, removeCopy } from './helpers.ts';

// The property that never finishes runs alone under a short timeout; the others under the default one, so that
// fc.pre's thousands of rejections reach fast-check's give-up however loaded the machine is.
const run = await runFixture('prop-truth', { seed: 42, grep: /^(?!.*propNeverFinishes)/ });
const hang = await runFixture('prop-truth', { seed: 42, timeoutMs: 100, grep: /propNeverFinishes/ });
after(() => {
  removeCopy(run.root);
  removeCopy(hang.root);
});

test('a property that holds but leaves an unhandled rejection fails with it, as a test does; the run is red', () => {
  const c = run.find('propLeavesRejection');
  assert.equal(c.status, 'failed');
  assert.match(c.failure!.message, /unhandled rejection: Error: a rejection the property left/);
  assert.match(c.failure!.text, /truth\.test\.ts:5:/);
  // Every run over 5 leaves the same rejection: it is reported once, with how many times it came.
  assert.equal(c.failure!.text.match(/a rejection the property left/g)?.length, 1, c.failure!.text);
  assert.match(c.failure!.message, /unhandled rejection: Error: a rejection the property left \(×\d+, the same error each time\)/);
  assert.equal(run.find('propHolds').status, 'passed');
  assert.equal(run.result.ok, false);
  assert.equal(run.text.trimEnd().split('\n').at(-1), '1 passed, 2 failed');
});

test('a property fast-check fails without a counterexample (fc.pre rejected everything, or no run finished) says so: no "counterexample: null", no replay, nothing stored', () => {
  const rejects = run.find('propRejectsAll');
  assert.equal(rejects.status, 'failed');
  assert.match(rejects.failure!.message, /^fast-check gave up after 0 run\(s\): fc\.pre \(or a filter\) rejected \d+ generated values, too many/);
  assert.equal(rejects.property?.failure, undefined);
  const hangs = hang.find('propNeverFinishes');
  assert.equal(hangs.status, 'failed');
  assert.equal(hangs.failure!.message, 'the property ran out of time after 0 run(s) (600 ms): a run did not finish');
  assert.equal(hangs.property?.failure, undefined);
  assert.doesNotMatch(run.text + hang.text, /counterexample: null|replay: .*propRejectsAll|replay: .*propNeverFinishes/);
  for (const root of [run.root, hang.root]) {
    const file = join(root, '_build', 'test', 'counterexamples.json');
    const store = (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(store['test/truth.test.ts'] ?? {}), []);
  }
});
