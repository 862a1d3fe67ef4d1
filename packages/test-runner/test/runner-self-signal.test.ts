import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

// The runner's process (this one) would get the signal if the test's call went through.
let heard = 0;
const count = (): void => void heard++;
process.on('SIGUSR2', count);
const run = await runFixture('self-signal');
after(() => {
  process.off('SIGUSR2', count);
  removeCopy(run.root);
});

test('a test that sends a signal to its own process fails alone, saying why; the runner never gets the signal', () => {
  assert.equal(heard, 0);
  assert.deepEqual(run.result.files[0]!.cases.map((c) => [c.path.at(-1), c.status]), [
    ['firstTest', 'passed'],
    ['signalsItselfTest', 'failed'],
    ['probesItselfTest', 'passed'],
    ['lastTest', 'passed'],
  ]);
  assert.match(run.find('signalsItselfTest').failure!.message, /^Error: process\.kill\(\d+, "SIGUSR2"\) in a test would signal the test runner's own process, which every test file shares \(each runs in a worker thread\): test a signal handler in a child process of its own$/);
  assert.deepEqual(run.result.files[0]!.warnings, []);
});
