// A watch rerun (`carried`: the session's earlier outcomes) whose --grep selects no test in the file it reran, while
// the session's other files ran the tests it selects: the rerun says there was nothing to rerun there and passes; it
// does not say "--grep matched no test" (it did, elsewhere) nor suggest other names as for a typo.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCopy, runFixture, removeCopy } from './helpers.ts';

const root = fixtureCopy('no-tests');
after(() => removeCopy(root));
// Outcomes: test/real.test.ts has realTest (passes); test/other.test.ts has otherTest (passes), which --grep realTest does not select.
writeFileSync(join(root, 'test', 'other.test.ts'), 'export function otherTest(): void {}\n');
const lines = (text: string): string[] => text.trimEnd().split('\n');

test('a rerun of a file with no test matching --grep, in a session whose other file ran it, passes saying so', async () => {
  const first = await runFixture('no-tests', { paths: ['test/real.test.ts'], grep: 'realTest' }, root);
  assert.deepEqual(first.result.counts, { passed: 1, failed: 0, skipped: 0, total: 1 });
  const rerun = await runFixture('no-tests', { paths: ['test/other.test.ts'], grep: 'realTest', carried: first.result.files }, root);
  assert.equal(rerun.result.ok, true, rerun.text);
  assert.equal(rerun.result.noTests, undefined);
  assert.doesNotMatch(rerun.text, /⚠|matched no test|closest/, rerun.text);
  assert.equal(lines(rerun.text).at(-3), "no test ran: --grep realTest selects no test in test/other.test.ts, the file this change reruns (the session's other files hold the tests it selects)");
  assert.equal(lines(rerun.text).at(-1), '0 passed, 0 failed');
});

test('a rerun in a session in which no file ran a test still fails on a --grep that matches nothing', async () => {
  const first = await runFixture('no-tests', { paths: ['test/real.test.ts'], grep: 'zzz' }, root);
  const rerun = await runFixture('no-tests', { paths: ['test/real.test.ts'], grep: 'zzz', carried: first.result.files }, root);
  assert.equal(rerun.result.ok, false);
  assert.match(rerun.text, /^⚠ no test ran: --grep zzz matched no test; closest: /m, rerun.text);
});
