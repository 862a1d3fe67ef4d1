// A stored failure is retired only by a run in which its case ran: a case skipped (another test marked `only`, a file
// not run after --bail) did not pass, so the next --rerun-failed still runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTests, type RunOptions } from '@otp-ts/test-runner';
import { tempProject, writeTree } from '../../../test/support/files.ts';

const project = (files: Record<string, string>): string => tempProject('otp-rerun-skipped-', files);
const write = (root: string, files: Record<string, string>): void => void writeTree(root, files);
const run = (root: string, options: RunOptions = {}) => runTests({ root, jobs: 1, reporters: ['tty'], output: { write: () => true }, ...options });
const stored = (root: string): unknown => JSON.parse(readFileSync(join(root, '_build', 'test', 'failed.json'), 'utf8'));

const plain = "import { test } from 'node:test';\ntest('kept', () => {});\ntest('breaks', () => { throw new Error('still broken'); });\n";
const focused = "import { test } from 'node:test';\ntest.only('kept', () => {});\ntest('breaks', () => { throw new Error('still broken'); });\n";

test('a failure whose test is skipped because another is marked only stays stored, through a rerun and a whole run', async () => {
  const saved = process.env.CI;
  delete process.env.CI;
  try {
    const root = project({ 'test/a.test.ts': plain });
    assert.equal((await run(root)).ok, false);
    assert.deepEqual(stored(root), { 'test/a.test.ts': ['a > breaks'] });
    write(root, { 'test/a.test.ts': focused });
    const rerun = await run(root, { rerunFailed: true });
    assert.deepEqual(rerun.files.flatMap((f) => f.cases.map((c) => [c.name, c.status])), [['breaks', 'skipped']]);
    assert.deepEqual(stored(root), { 'test/a.test.ts': ['a > breaks'] }, 'a rerun that skipped it did not retire it');
    await run(root);
    assert.deepEqual(stored(root), { 'test/a.test.ts': ['a > breaks'] }, 'a whole run that skipped it did not retire it');
    write(root, { 'test/a.test.ts': plain.replace("throw new Error('still broken');", '') });
    assert.equal((await run(root, { rerunFailed: true })).ok, true);
    assert.deepEqual(stored(root), {}, 'once it passed, it is retired');
  } finally {
    if (saved !== undefined) process.env.CI = saved;
  }
});

test('a file that failed to compile and is not run after --bail stays stored for the next --rerun-failed', async () => {
  const root = project({ 'test/a.test.ts': 'export function failsTest() { throw new Error("boom"); }\n', 'test/z.test.ts': 'export function brokenTest( {\n' });
  await run(root);
  assert.deepEqual(stored(root), { 'test/a.test.ts': ['a > failsTest'], 'test/z.test.ts': ['test/z.test.ts'] });
  const bailed = await run(root, { rerunFailed: true, bail: true });
  assert.equal(bailed.files.find((f) => f.file === 'test/z.test.ts')?.cases[0]?.status, 'skipped');
  assert.deepEqual(stored(root), { 'test/a.test.ts': ['a > failsTest'], 'test/z.test.ts': ['test/z.test.ts'] });
});
