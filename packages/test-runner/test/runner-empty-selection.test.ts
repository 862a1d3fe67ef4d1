// A run whose filters select nothing fails, and says so where its report is read: no file is ticked as passed, the
// reason comes above the closing line. Without the tty reporter (junit, json) the closing line is still printed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCopy, runFixture, removeCopy } from './helpers.ts';

const root = fixtureCopy('no-tests');
after(() => removeCopy(root));
const lines = (text: string): string[] => text.trimEnd().split('\n');

test('--grep matching nothing: the file is not ticked as passed, the reason is on stdout above the closing line, the run fails', async () => {
  const run = await runFixture('no-tests', { paths: ['test/real.test.ts'], grep: 'zzz' }, root);
  assert.equal(run.result.ok, false);
  assert.match(run.text, /^- test\/real\.test\.ts \(no test selected, \d+ ms\)$/m, run.text);
  assert.doesNotMatch(run.text, /✔/, run.text);
  assert.match(lines(run.text).at(-3)!, /^⚠ no test ran: --grep zzz matched no test; closest: /, run.text);
  assert.equal(lines(run.text).at(-1), '0 passed, 0 failed');
});

test('--case matching nothing says which filter, in the tty and in results.json', async () => {
  const run = await runFixture('no-tests', { paths: ['test/real.test.ts'], case: ['nope'], reporters: ['tty', 'json'] }, root);
  assert.match(run.text, /^⚠ no test ran: --case nope matched no test/m, run.text);
  const json = JSON.parse(readFileSync(join(root, '_build', 'test', 'results.json'), 'utf8')) as { ok: boolean; noTests?: string };
  assert.equal(json.ok, false);
  assert.match(json.noTests ?? '', /^--case nope matched no test/);
});

test('--reporter junit,json without tty still ends with the closing line, and the reason when nothing was selected', async () => {
  const passing = await runFixture('no-tests', { paths: ['test/real.test.ts'], reporters: ['junit', 'json'] }, root);
  assert.deepEqual(lines(passing.text), ['JUnit report written to _build/test/junit.xml', 'JSON report written to _build/test/results.json', '1 passed, 0 failed']);
  const empty = await runFixture('no-tests', { paths: ['test/real.test.ts'], grep: 'zzz', reporters: ['junit', 'json'] }, root);
  assert.match(lines(empty.text).at(-2)!, /^⚠ no test ran: --grep zzz matched no test/, empty.text);
  assert.equal(lines(empty.text).at(-1), '0 passed, 0 failed');
});
