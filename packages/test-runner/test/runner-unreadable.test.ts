import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('unreadable');
after(() => removeCopy(run.root));

test('an error whose stack or message getter throws (or a proxy whose traps throw) fails its own test readably; the file runs on', () => {
  assert.match(run.find('bStackGetterTest').failure!.message, /^Error: boom$/);
  assert.match(run.find('bStackGetterTest').failure!.text, /its stack cannot be read/);
  assert.match(run.find('cMessageGetterTest').failure!.message, /its message cannot be read/);
  assert.match(run.find('dProxyTest').failure!.message, /threw a value that cannot be described/);
  assert.match(run.find('eLateTest').failure!.message, /after the test returned, uncaught exception: Error: \(its message cannot be read/);
  assert.equal(run.find('aFirstTest').status, 'passed');
  assert.equal(run.find('fLastTest').status, 'passed');
  assert.deepEqual(run.result.counts, { passed: 2, failed: 4, skipped: 0, total: 6 });
  assert.deepEqual(run.result.files[0]!.warnings, []);
});
