// A case that times out on every attempt of --retry is reported as a timeout in each of JUnit's records:
// the earlier attempts' <rerunFailure> elements say type="timeout" as the final <failure> does.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@otp-ts/test-runner';

const repoModules = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'node_modules');
const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

test('a retried timeout keeps type="timeout" in its rerunFailure records, as its failure has it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-retry-timeout-'));
  roots.push(root);
  symlinkSync(repoModules, join(root, 'node_modules'), 'dir');
  mkdirSync(join(root, 'test'));
  writeFileSync(join(root, 'test', 'hang.test.ts'), 'export function hangsTest() { return new Promise(() => {}); }\nexport function failsTest() { throw new Error("plain"); }\n');
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
