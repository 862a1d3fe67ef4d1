// A test file's import.meta is its source's, however the file reaches it (a member, the object kept in a variable,
// destructured), and the names the runner declares for it never clash with the file's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runTests, type RunResult } from '@otp-ts/test-runner';
import { tempProject } from '../../../test/support/files.ts';

const project = (files: Record<string, string>): string => tempProject('otp-import-meta-', files);

async function run(root: string): Promise<{ result: RunResult; text: string }> {
  let text = '';
  const result = await runTests({ root, jobs: 1, reporters: ['tty'], output: { write: (s: string) => (text += s) } });
  return { result, text };
}

const outcomes = (r: RunResult): Record<string, string> => Object.fromEntries(r.files.flatMap((f) => f.cases.map((c) => [c.name, c.failure ? `${c.status}: ${c.failure.message}` : c.status])));

test('import.meta kept in a variable or destructured is the source file, and its resolve resolves from there', async () => {
  const root = project({ 'test/data.json': '{}' });
  const file = join(root, 'test', 'meta.test.ts');
  const source = [
    "import assert from 'node:assert/strict';",
    'const m = import.meta;',
    'const { url, dirname } = import.meta;',
    `export function variableTest() { assert.equal(m.url, ${JSON.stringify(pathToFileURL(file).href)}); assert.equal(m.filename, ${JSON.stringify(file)}); }`,
    `export function destructuredTest() { assert.equal(url, ${JSON.stringify(pathToFileURL(file).href)}); assert.equal(dirname, ${JSON.stringify(dirname(file))}); }`,
    `export function memberTest() { assert.equal(import.meta.url, m.url); }`,
    `export function resolveTest() { assert.equal(import.meta.resolve('./data.json'), ${JSON.stringify(pathToFileURL(join(root, 'test', 'data.json')).href)}); assert.match(import.meta.resolve('@otp-ts/runtime'), /^file:/); }`,
    '',
  ].join('\n');
  writeFileSync(join(root, 'test', 'meta.test.ts'), source, { flag: 'w' });
  const { result, text } = await run(root);
  assert.deepEqual(outcomes(result), { variableTest: 'passed', destructuredTest: 'passed', memberTest: 'passed', resolveTest: 'passed' }, text);
});

test("a file's own top-level names like the runner's old import.meta ones compile and keep their values", async () => {
  const root = project({
    'test/names.test.ts': [
      "import assert from 'node:assert/strict';",
      "const __otpImportMetaUrl = 'mine', __otpImportMetaDirname = 'here', __otpImportMetaFilename = 'this';",
      'export function ownNamesTest() { assert.deepEqual([__otpImportMetaUrl, __otpImportMetaDirname, __otpImportMetaFilename], ["mine", "here", "this"]); assert.ok(import.meta.url.endsWith("/test/names.test.ts")); }',
      '',
    ].join('\n'),
  });
  const { result, text } = await run(root);
  assert.deepEqual(outcomes(result), { ownNamesTest: 'passed' }, text);
});

test('a file that writes the name the runner declares for import.meta fails to compile saying so, the run fails', async () => {
  const root = project({
    'test/clash.test.ts': "export function clashTest() { return import.meta.url; }\nconst __otp$$importMeta$$source = 1;\n",
    'test/good.test.ts': 'export function goodTest() {}\n',
  });
  const { result, text } = await run(root);
  assert.equal(result.ok, false);
  assert.match(text, /test\/clash\.test\.ts could not be compiled/);
  assert.match(text, /__otp\$\$importMeta\$\$source is a name the test runner declares for import\.meta: rename it/);
  assert.equal(outcomes(result).goodTest, 'passed');
});
