// A run that selects no test passes when that is what a valid CI setup asks for, and says why above its closing line:
// --rerun-failed after a green run (nothing to rerun), an empty shard of a split with fewer files than shards, and a
// sharded rerun whose failures are all in other shards. A rerun with no earlier run, or filters matching nothing, still fail.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCopy, runFixture, removeCopy } from './helpers.ts';

const roots: string[] = [];
const copy = (name: string): string => {
  const root = fixtureCopy(name);
  roots.push(root);
  return root;
};
after(() => roots.forEach(removeCopy));
const lines = (text: string): string[] => text.trimEnd().split('\n');

test('--rerun-failed after a green run passes and says there is nothing to rerun, in the tty, JSON and TAP reports', async () => {
  const root = copy('green');
  const first = await runFixture('green', {}, root);
  assert.equal(first.result.ok, true, first.text);
  const again = await runFixture('green', { rerunFailed: true, reporters: ['tty', 'json', 'tap'] }, root);
  assert.equal(again.result.ok, true, again.text);
  assert.equal(again.result.noTests, undefined);
  assert.equal(again.result.nothingToRun, '--rerun-failed has nothing to rerun: the last run stored no failure');
  assert.equal(lines(again.text).at(-3), 'no test ran: --rerun-failed has nothing to rerun: the last run stored no failure', again.text);
  assert.equal(lines(again.text).at(-1), '0 passed, 0 failed');
  const json = JSON.parse(readFileSync(join(root, '_build', 'test', 'results.json'), 'utf8')) as { ok: boolean; nothingToRun?: string };
  assert.deepEqual([json.ok, json.nothingToRun], [true, again.result.nothingToRun]);
  assert.match(readFileSync(join(root, '_build', 'test', 'results.tap'), 'utf8'), /^# no test ran: --rerun-failed has nothing to rerun/m);
});

test('--rerun-failed before any run fails: no failures were ever stored, so nothing proves the tests pass', async () => {
  const run = await runFixture('green', { rerunFailed: true }, copy('green'));
  assert.equal(run.result.ok, false, run.text);
  assert.match(run.result.noTests ?? '', /^--rerun-failed selected no test: no earlier run stored its failures \(_build\/test\/failed\.json is missing\); run otp test first/);
});

test('an empty shard of a split with fewer files than shards passes, and says where the files are', async () => {
  const one = await runFixture('green', { shard: { index: 2, count: 2 } }, copy('green'));
  assert.equal(one.result.ok, true, one.text);
  assert.equal(one.result.nothingToRun, '--shard 2/2 holds no test file: the only test file is in another shard');
  assert.equal(lines(one.text).at(-1), '0 passed, 0 failed');
  const two = await runFixture('flaky', { shard: { index: 3, count: 3 }, reporters: ['junit'] }, copy('flaky'));
  assert.equal(two.result.ok, true, two.text);
  assert.deepEqual(lines(two.text).slice(-2), ['no test ran: --shard 3/3 holds no test file: all 2 test files are in other shards', '0 passed, 0 failed']);
});

test('--rerun-failed --shard passes in the shard that holds none of the failures, and reruns them in the one that does', async () => {
  const root = copy('flaky');
  const first = await runFixture('flaky', {}, root);
  assert.equal(first.result.ok, false);
  const clean = await runFixture('flaky', { rerunFailed: true, shard: { index: 2, count: 2 } }, root);
  assert.equal(clean.result.ok, true, clean.text);
  assert.equal(clean.result.nothingToRun, "--rerun-failed has nothing to rerun in --shard 2/2: the 2 stored failure(s) are in other shards' files");
  const dirty = await runFixture('flaky', { rerunFailed: true, shard: { index: 1, count: 2 } }, root);
  assert.equal(dirty.result.counts.total > 0, true, dirty.text);
  assert.equal(dirty.result.nothingToRun, undefined);
});

test('a filter matching nothing still fails the run, with or without a shard', async () => {
  const run = await runFixture('flaky', { shard: { index: 3, count: 3 }, case: ['nope'] }, copy('flaky'));
  assert.equal(run.result.ok, true, 'the shard holds no file: the filter had nothing to match in it');
  const filtered = await runFixture('flaky', { case: ['nope'] }, copy('flaky'));
  assert.equal(filtered.result.ok, false);
  assert.equal(filtered.result.nothingToRun, undefined);
});

test('--shard with --grep whose tests are all in other shards passes as an empty shard does; one matching nowhere still fails', async () => {
  const root = copy('flaky');
  // Files are dealt before filtering: flaky.test.ts is part 1 of 2, other.test.ts part 2.
  const elsewhere = await runFixture('flaky', { shard: { index: 1, count: 2 }, grep: 'otherTest', reporters: ['tty', 'json'] }, root);
  assert.equal(elsewhere.result.ok, true, elsewhere.text);
  assert.equal(elsewhere.result.nothingToRun, "--grep otherTest selects no test in --shard 1/2: the 1 test(s) it selects are in other shards' files");
  assert.deepEqual(lines(elsewhere.text).slice(-3), [`no test ran: ${elsewhere.result.nothingToRun}`, '', '0 passed, 0 failed']);
  const json = JSON.parse(readFileSync(join(root, '_build', 'test', 'results.json'), 'utf8')) as { ok: boolean; nothingToRun?: string };
  assert.deepEqual([json.ok, json.nothingToRun], [true, elsewhere.result.nothingToRun]);
  const here = await runFixture('flaky', { shard: { index: 2, count: 2 }, grep: 'otherTest' }, root);
  assert.deepEqual([here.result.ok, here.result.counts.passed], [true, 1]);
  const typo = await runFixture('flaky', { shard: { index: 1, count: 2 }, grep: 'otherTset' }, root);
  assert.equal(typo.result.ok, false, typo.text);
  assert.match(typo.result.noTests ?? '', /^--grep otherTset matched no test/);
});

test('--rerun-failed with --shard and --grep passes when the failures it selects are in other shards, or it selects no stored failure', async () => {
  const root = copy('flaky');
  const first = await runFixture('flaky', {}, root);
  assert.equal(first.result.ok, false, first.text);
  // flaky.test.ts (both failures) is part 1 of 2; other.test.ts part 2.
  const elsewhere = await runFixture('flaky', { rerunFailed: true, shard: { index: 2, count: 2 }, grep: 'brokenTest', reporters: ['tty', 'json', 'junit'] }, root);
  assert.equal(elsewhere.result.ok, true, elsewhere.text);
  assert.equal(elsewhere.result.nothingToRun, "--rerun-failed --grep brokenTest has nothing to rerun in --shard 2/2: the 1 stored failure(s) it selects are in other shards' files");
  assert.deepEqual(lines(elsewhere.text).slice(-3), [`no test ran: ${elsewhere.result.nothingToRun}`, '', '0 passed, 0 failed']);
  const json = JSON.parse(readFileSync(join(root, '_build', 'test', 'results.json'), 'utf8')) as { ok: boolean; nothingToRun?: string };
  assert.deepEqual([json.ok, json.nothingToRun], [true, elsewhere.result.nothingToRun]);
  // A passing test named by the filter: the last run stored no failure among what it selects, in any shard.
  const passing = await runFixture('flaky', { rerunFailed: true, shard: { index: 1, count: 2 }, grep: 'fineTest' }, root);
  assert.equal(passing.result.ok, true, passing.text);
  assert.equal(passing.result.nothingToRun, '--rerun-failed --grep fineTest has nothing to rerun: none of the 2 stored failure(s) is among the tests it selects');
  const unsharded = await runFixture('flaky', { rerunFailed: true, grep: 'otherTest' }, root);
  assert.equal(unsharded.result.ok, true, unsharded.text);
  // The shard that holds the selected failure still reruns it, and the store still holds both failures.
  const here = await runFixture('flaky', { rerunFailed: true, shard: { index: 1, count: 2 }, grep: 'brokenTest' }, root);
  assert.deepEqual([here.result.ok, here.result.counts.failed], [false, 1], here.text);
  // A filter matching no test at all is a typo: it fails, sharded or not.
  const typo = await runFixture('flaky', { rerunFailed: true, shard: { index: 2, count: 2 }, grep: 'brokenTset' }, root);
  assert.equal(typo.result.ok, false, typo.text);
  assert.match(typo.result.noTests ?? '', /^--grep brokenTset matched no test/);
});

test('--rerun-failed on a path that holds none of the stored failures passes and says so; a rerun before any run still fails', async () => {
  const root = copy('flaky');
  const never = await runFixture('flaky', { rerunFailed: true, paths: ['test/other.test.ts'] }, root);
  assert.equal(never.result.ok, false, never.text);
  assert.match(never.result.noTests ?? '', /^--rerun-failed selected no test: no earlier run stored its failures/);
  await runFixture('flaky', {}, root);
  const clean = await runFixture('flaky', { rerunFailed: true, paths: ['test/other.test.ts'] }, root);
  assert.equal(clean.result.ok, true, clean.text);
  assert.equal(clean.result.nothingToRun, '--rerun-failed test/other.test.ts has nothing to rerun: none of the 2 stored failure(s) is among the tests it selects');
});

test('--shard with --grep finds the tests of a file not run in this shard when a doc comment shares their export line', async () => {
  const root = copy('flaky');
  writeFileSync(join(root, 'test', 'other.test.ts'), '/** Always passes. */ export function otherTest() {}\n  export async function alsoTest() {}\n');
  const elsewhere = await runFixture('flaky', { shard: { index: 1, count: 2 }, grep: 'otherTest|alsoTest' }, root);
  assert.equal(elsewhere.result.ok, true, elsewhere.text);
  assert.match(elsewhere.result.nothingToRun ?? '', /the 2 test\(s\) it selects are in other shards' files$/);
});
