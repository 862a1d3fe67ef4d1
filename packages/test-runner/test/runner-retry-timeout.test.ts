// A case that times out on every attempt of --retry is reported as a timeout in each of JUnit's records:
// the earlier attempts' <rerunFailure> elements say type="timeout" as the final <failure> does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTests } from '@otp-ts/test-runner';
import { tempProject } from '../../../test/support/files.ts';


test('a retried timeout keeps type="timeout" in its rerunFailure records, as its failure has it', async () => {
  const root = tempProject('otp-retry-timeout-', { 'test/hang.test.ts': 'export function hangsTest() { return new Promise(() => {}); }\nexport function failsTest() { throw new Error("plain"); }\n' });
  let text = '';
  const result = await runTests({ root, jobs: 1, retry: 1, timeoutMs: 300, reporters: ['tty', 'junit'], output: { write: (s: string) => (text += s) } });
  assert.equal(result.ok, false, text);
  const xml = readFileSync(join(root, '_build', 'test', 'junit.xml'), 'utf8');
  const hang = /<testcase name="hangsTest"[\s\S]*?<\/testcase>/.exec(xml)?.[0] ?? '';
  assert.match(hang, /<failure [^>]*type="timeout"/, xml);
  assert.match(hang, /<rerunFailure [^>]*type="timeout"/, xml);
  assert.doesNotMatch(hang, /type="failure"/, xml);
  // A plain failure's records stay failures.
  const fails = /<testcase name="failsTest"[\s\S]*?<\/testcase>/.exec(xml)?.[0] ?? '';
  assert.match(fails, /<rerunFailure [^>]*type="failure"/, xml);
});
