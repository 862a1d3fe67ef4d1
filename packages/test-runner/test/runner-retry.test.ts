import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, removeCopy, fixtureCopy, runLogFolders, type FixtureRun } from './helpers.ts';

const runs: FixtureRun[] = [];
const track = (r: FixtureRun): FixtureRun => (runs.push(r), r);
after(() => runs.forEach((r) => removeCopy(r.root)));
const read = (r: FixtureRun, ...path: string[]): string => readFileSync(join(r.root, '_build', 'test', ...path), 'utf8');

test('--retry: a case that passes on a retry is flaky in every reporter; one that keeps failing stays failed', async () => {
  const run = track(await runFixture('flaky', { paths: ['test/flaky.test.ts'], retry: 2, reporters: ['tty', 'json', 'junit', 'html'] }));
  const flaky = run.find('flakyTest');
  assert.equal(flaky.status, 'passed');
  assert.equal(flaky.flaky, true);
  assert.equal(flaky.attempts, 2);
  assert.match(flaky.retries![0]!.text, /first attempt fails/);
  const broken = run.find('brokenTest');
  assert.equal(broken.status, 'failed');
  assert.equal(broken.attempts, 3);
  assert.equal(broken.retries!.length, 2);
  assert.equal(run.find('fineTest').attempts, undefined);
  assert.deepEqual(run.result.counts, { passed: 2, failed: 1, skipped: 0, total: 3, flaky: 1 });
  assert.match(run.text, /Flaky \(passed only on a retry\):\n {2}⚠ test\/flaky\.test\.ts › flaky > flakyTest: passed on attempt 2 \(first failure: (Error: )?first attempt fails\)/);
  assert.match(run.text, /flaky\.test\.ts \(2 passed, 1 failed, 1 flaky,/);
  assert.equal(run.text.trimEnd().split('\n').at(-1), '2 passed, 1 failed');
  const xml = read(run, 'junit.xml');
  assert.match(xml, /<testcase name="flakyTest"[^>]*>\n\s*<flakyFailure message="(Error: )?first attempt fails"/);
  assert.match(xml, /<testcase name="brokenTest"[^>]*>\n\s*<failure [^]*?<\/failure>\n\s*<rerunFailure /);
  const json = JSON.parse(read(run, 'results.json'));
  assert.equal(json.counts.flaky, 1);
  assert.equal(json.files[0].cases.find((c: { name: string }) => c.name === 'flakyTest').flaky, true);
  const logs = runLogFolders(run.root)[0]!;
  const page = readFileSync(join(logs, 'test_flaky.test.ts', 'flakyTest.html'), 'utf8');
  assert.match(page, /<span class="flaky">flaky<\/span>/);
  assert.match(page, /Attempt 1: failed/);
  assert.match(readFileSync(join(logs, 'test_flaky.test.ts', 'fineTest.html'), 'utf8'), /<pre class="ct-log">fine ran\n<\/pre>/);
});

test('--retry reruns a file that failed only through process.exitCode: flaky when the retry ends at 0, failed with every attempt when not', async () => {
  const run = track(await runFixture('exit-code-retry', { retry: 2, reporters: ['tty', 'json', 'junit'] }));
  const fileCase = (file: string) => run.result.files.find((f) => f.file === file)!.cases.find((c) => c.id === 'file')!;
  const once = fileCase('test/once.test.ts');
  assert.equal(once.name, 'process.exitCode was set');
  assert.equal(once.status, 'passed');
  assert.equal(once.flaky, true);
  assert.equal(once.attempts, 2);
  assert.match(once.retries![0]!.message, /process\.exitCode 1 \(first seen after once > aOnceTest ended\)/);
  const always = fileCase('test/always.test.ts');
  assert.equal(always.status, 'failed');
  assert.equal(always.attempts, 3);
  assert.equal(always.retries!.length, 2);
  assert.match(always.failure!.message, /process\.exitCode 2/);
  assert.deepEqual(run.result.counts, { passed: 4, failed: 1, skipped: 0, total: 5, flaky: 1 });
  assert.equal(run.result.ok, false);
  assert.equal(run.text.trimEnd().split('\n').at(-1), '4 passed, 1 failed');
  assert.match(run.text, /⚠ test\/once\.test\.ts › process\.exitCode was set: passed on attempt 2 \(first failure: process\.exitCode was set: the file ended with process\.exitCode 1/);
  const json = JSON.parse(read(run, 'results.json'));
  assert.deepEqual(json.counts, run.result.counts);
  const xml = read(run, 'junit.xml');
  assert.match(xml, /<testsuites [^>]*tests="5" failures="1"/);
  assert.match(xml, /<testcase name="process\.exitCode was set" classname="test\.once"[^>]*>\n\s*<flakyFailure /);
  assert.match(xml, /<testcase name="process\.exitCode was set" classname="test\.always"[^>]*>\n\s*<failure [^]*?<\/failure>\n\s*<rerunFailure [^]*?<\/rerunFailure>\n\s*<rerunFailure /);
});

test('--fail-on-flaky counts a flaky case as failed', async () => {
  const run = track(await runFixture('flaky', { paths: ['test/flaky.test.ts'], retry: 1, failOnFlaky: true }));
  assert.equal(run.find('flakyTest').status, 'failed');
  assert.equal(run.find('flakyTest').flaky, true);
  assert.equal(run.result.ok, false);
  assert.equal(run.text.trimEnd().split('\n').at(-1), '1 passed, 2 failed');
});

test('--rerun-failed runs only the cases that failed in the last run', async () => {
  const root = fixtureCopy('flaky');
  const first = track(await runFixture('flaky', {}, root));
  assert.deepEqual(first.result.counts, { passed: 2, failed: 2, skipped: 0, total: 4 });
  const again = await runFixture('flaky', { rerunFailed: true }, root);
  assert.deepEqual(again.result.files.map((f) => f.file), ['test/flaky.test.ts']);
  assert.deepEqual(again.result.files[0]!.cases.map((c) => [c.name, c.status]), [['flakyTest', 'passed'], ['brokenTest', 'failed']]);
  const third = await runFixture('flaky', { rerunFailed: true }, root);
  assert.deepEqual(third.result.files[0]!.cases.map((c) => c.name), ['brokenTest']);
});

test('--shard i/n runs a deterministic part of the files; --shuffle prints its seed and the seed replays the order', async () => {
  const one = track(await runFixture('flaky', { shard: { index: 1, count: 2 } }));
  const two = track(await runFixture('flaky', { shard: { index: 2, count: 2 } }));
  assert.deepEqual([...one.result.files, ...two.result.files].map((f) => f.file).sort(), ['test/flaky.test.ts', 'test/other.test.ts']);
  assert.equal(one.result.files.length, 1);
  assert.match(one.text, /^running 1 test file\(s\), shard 1\/2\n/);
  const order = (r: FixtureRun): string => [...r.text.matchAll(/^[✔✖] (test\/\S+)/gm)].map((m) => m[1]).join(',');
  const orders = new Map<number, string>();
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9]) {
    const r = track(await runFixture('flaky', { shuffle: true, shuffleSeed: seed, jobs: 1 }));
    assert.match(r.text, new RegExp(`^running 2 test file\\(s\\) \\(shuffle seed ${seed}, in random order: replay with --shuffle --seed ${seed}\\)`));
    orders.set(seed, order(r));
  }
  for (const seed of [1, 8]) assert.equal(order(track(await runFixture('flaky', { shuffle: true, shuffleSeed: seed, jobs: 1 }))), orders.get(seed));
  assert.equal(new Set(orders.values()).size, 2);
});

test('--bail with --grep: a file not run counts as skipped only when it may hold a case the grep selects', async () => {
  const only = await runFixture('bail-grep', { bail: true, jobs: 1, grep: /^f1 > / });
  const some = await runFixture('bail-grep', { bail: true, jobs: 1, grep: /aTest/ });
  try {
    assert.deepEqual(only.result.counts, { passed: 1, failed: 1, skipped: 1, total: 3 }, 'f2 and f3 hold no f1 case; g4 builds its names at run time');
    assert.deepEqual(only.result.files.map((f) => f.file), ['test/f1.test.ts', 'test/g4.test.ts']);
    assert.deepEqual(some.result.counts, { passed: 0, failed: 1, skipped: 3, total: 4 });
  } finally {
    removeCopy(only.root);
    removeCopy(some.root);
  }
});
