import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { allRunsPage, boundRuns, runFolderName, type Reporter } from '@otp-ts/test-runner';
import { fixtureCopy, removeCopy, runFixture, runLogFolders } from './helpers.ts';

const root = fixtureCopy('flaky');
after(() => removeCopy(root));
const logs = join(root, '_build', 'test', 'logs');
const read = (...path: string[]): string => readFileSync(join(logs, ...path), 'utf8');
// The run folders the index of all runs links to, in its order.
const listed = (): string[] => [...read('index.html').matchAll(/<a href="(run\.[^"/]+)\/index\.html">/g)].map((m) => m[1]!);
const rowOf = (name: string): string => new RegExp(`<tr><td><a href="${name.replace(/\./g, '\\.')}/index\\.html">[^]*?</tr>`).exec(read('index.html'))![0];

// flaky.test.ts fails twice on its first run in a project copy (flakyTest, brokenTest); other.test.ts passes.
const first = await runFixture('flaky', { paths: ['test/flaky.test.ts'], reporters: ['tty', 'html'] }, root);
const second = await runFixture('flaky', { paths: ['test/other.test.ts'], reporters: ['tty', 'html'] }, root);

test('two runs keep two run folders, each with its own index, suite and case pages', () => {
  assert.deepEqual(first.result.counts, { passed: 1, failed: 2, skipped: 0, total: 3 });
  assert.deepEqual(second.result.counts, { passed: 1, failed: 0, skipped: 0, total: 1 });
  const [older, newer] = runLogFolders(root).map((d) => basename(d));
  assert.match(older!, /^run\.\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z$/);
  assert.match(read(older!, 'index.html'), /1 passed, 2 failed, 0 skipped/);
  assert.ok(existsSync(join(logs, older!, 'test_flaky.test.ts', 'brokenTest.html')));
  assert.match(read(newer!, 'index.html'), /1 passed, 0 failed, 0 skipped/);
  assert.ok(existsSync(join(logs, newer!, 'test_other.test.ts', 'otherTest.html')));
  assert.ok(!existsSync(join(logs, newer!, 'test_flaky.test.ts')), 'a run folder holds only its own run');
});

test('the index of all runs lists every run, newest first, with its date and totals, and links to each', () => {
  const [older, newer] = runLogFolders(root).map((d) => basename(d));
  assert.deepEqual(listed(), [newer, older]);
  assert.match(rowOf(newer!), /<span class="passed">passed<\/span><\/td><td>1<\/td><td>0<\/td><td>0<\/td>/);
  assert.match(rowOf(older!), /<span class="failed">failed<\/span><\/td><td>1<\/td><td>2<\/td><td>0<\/td>/);
  assert.match(rowOf(older!), /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  for (const name of listed()) assert.ok(existsSync(join(logs, name, 'index.html')), name);
  assert.deepEqual(readdirSync(logs).filter((n) => n.endsWith('.tmp')), [], 'no temporary file is left');
});

test('the last pointer opens the newest run: last.html redirects to it, and the last symlink where the platform has them', () => {
  const newer = basename(runLogFolders(root).at(-1)!);
  assert.match(read('last.html'), new RegExp(`<meta http-equiv="refresh" content="0; url=${newer.replace(/\./g, '\\.')}/index\\.html">`));
  if (process.platform !== 'win32') assert.equal(read('last', 'index.html'), read(newer, 'index.html'));
});

test('a run that crashes before its logs are written leaves the earlier runs and their index untouched', async () => {
  const before = { index: read('index.html'), last: read('last.html'), folders: runLogFolders(root) };
  const crashing: Reporter = {
    onRunEnd: () => {
      throw new Error('reporter crashed');
    },
  };
  await assert.rejects(runFixture('flaky', { paths: ['test/other.test.ts'], reporters: [crashing, 'html'] }, root), /reporter crashed/);
  assert.deepEqual(runLogFolders(root), before.folders);
  assert.equal(read('index.html'), before.index);
  assert.equal(read('last.html'), before.last);
});

test('keepLogs bounds the tree: the oldest runs are deleted, the index lists the newest only', async () => {
  const [older, newer] = runLogFolders(root).map((d) => basename(d));
  await runFixture('flaky', { paths: ['test/other.test.ts'], reporters: ['html'], keepLogs: 2 }, root);
  const folders = runLogFolders(root).map((d) => basename(d));
  assert.equal(folders.length, 2);
  assert.equal(folders[0], newer);
  assert.ok(!folders.includes(older!), 'the oldest run is gone');
  assert.deepEqual(listed(), [folders[1], newer]);
  assert.match(read('last.html'), new RegExp(folders[1]!.replace(/\./g, '\\.')));
});

test('run folders sort by start, same-millisecond runs apart; a run still writing is listed as incomplete', () => {
  const t = new Date('2025-03-04T05:06:07.089Z');
  assert.equal(runFolderName(t), 'run.2025-03-04T050607.089Z');
  const names = [runFolderName(t, 2), runFolderName(new Date(t.getTime() + 1)), runFolderName(t), runFolderName(t, 10), 'last', 'test_old.suite.ts'];
  assert.deepEqual(boundRuns(names, 3), { kept: ['run.2025-03-04T050607.090Z', 'run.2025-03-04T050607.089Z-10', 'run.2025-03-04T050607.089Z-2'], dropped: ['run.2025-03-04T050607.089Z'] });
  assert.equal(boundRuns(names, 0).kept.length, 1, 'every bound keeps at least the newest run');
  assert.equal(boundRuns(names, Infinity).kept.length, 4);
  const page = allRunsPage([{ name: runFolderName(t) }]);
  assert.match(page, /2025-03-04 05:06:07 UTC<\/a><\/td><td><span class="incomplete">incomplete<\/span>/);
});
