// A file that does not compile fails the run naming the file and the place; at the end of the file, no empty source line is shown.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@otp-ts/test-runner';

const root = mkdtempSync(join(tmpdir(), 'otp-compile-error-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a syntax error at the end of a file fails the run, naming the file and line without an empty source line', async () => {
  symlinkSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'node_modules'), join(root, 'node_modules'), 'dir');
  mkdirSync(join(root, 'test'));
  writeFileSync(join(root, 'test', 'broken.test.ts'), 'export function brokenTest( {\n');
  writeFileSync(join(root, 'test', 'good.test.ts'), 'export function goodTest() {}\n');
  const result = await runTests({ root, jobs: 1, reporters: [], output: { write: () => true } });
  assert.equal(result.ok, false);
  const text = result.files.find((f) => f.file === 'test/broken.test.ts')!.cases[0]!.failure!.text;
  assert.equal(text, 'test/broken.test.ts could not be compiled:\ntest/broken.test.ts:2:0: Expected identifier but found end of file');
});
