// A file that does not compile fails the run naming the file and the place; at the end of the file, no empty source line is shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTests } from '@otp-ts/test-runner';
import { tempProject } from '../../../test/support/files.ts';


test('a syntax error at the end of a file fails the run, naming the file and line without an empty source line', async () => {
  const root = tempProject('otp-compile-error-', { 'test/broken.test.ts': 'export function brokenTest( {\n', 'test/good.test.ts': 'export function goodTest() {}\n' });
  const result = await runTests({ root, jobs: 1, reporters: [], output: { write: () => true } });
  assert.equal(result.ok, false);
  const text = result.files.find((f) => f.file === 'test/broken.test.ts')!.cases[0]!.failure!.text;
  assert.equal(text, 'test/broken.test.ts could not be compiled:\ntest/broken.test.ts:2:0: Expected identifier but found end of file');
});
