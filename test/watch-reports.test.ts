// End to end through the built binary: `otp test --watch --reporter junit,json` keeps every test file's latest outcome in
// junit.xml and results.json, as the watch screen shows them; a rerun of one file does not drop another file's failure.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchProject } from './support/files.ts';
import { waitFor } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
// Outcomes: test/bad.test.ts fails (brokenTest); test/good.test.ts passes (fineTest); test/gone.test.ts passes until deleted.
const dir = scratchProject('watchreports', {
  'test/bad.test.ts': "export function brokenTest(): void {\n  throw new Error('still broken');\n}\n",
  'test/good.test.ts': 'export function fineTest(): void {}\n',
  'test/gone.test.ts': 'export function goneTest(): void {}\n',
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('each rerun under --watch writes junit.xml and results.json with the latest outcome of every file, not the rerun files alone', async () => {
  const child = spawn(process.execPath, [bin, 'test', '--watch', '--reporter', 'junit,json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const junit = join(dir, '_build', 'test', 'junit.xml');
  const json = join(dir, '_build', 'test', 'results.json');
  await waitFor('the first run ends and watching starts', () => /watching for changes/.test(out), { ms: 120_000 });
  const written = (n: number): boolean => (out.match(/JUnit report written to/g) ?? []).length >= n && (out.match(/JSON report written to/g) ?? []).length >= n;

  rmSync(junit);
  appendFileSync(join(dir, 'test', 'good.test.ts'), '// touched\n');
  await waitFor('the rerun of test/good.test.ts writes its reports', () => written(2) && existsSync(junit), { ms: 120_000 });
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /<testsuites name="otp test" tests="3" failures="1" /, xml);
  assert.match(xml, /<testsuite name="test\/bad\.test\.ts" tests="1" failures="1" [\s\S]*still broken/, xml);
  assert.match(xml, /<testsuite name="test\/good\.test\.ts" tests="1" failures="0" /, xml);
  const results = JSON.parse(readFileSync(json, 'utf8')) as { ok: boolean; counts: { passed: number; failed: number }; files: { file: string }[] };
  assert.equal(results.ok, false, 'the failure of test/bad.test.ts still stands');
  assert.deepEqual([results.counts.passed, results.counts.failed], [2, 1]);
  assert.deepEqual(results.files.map((f) => f.file).sort(), ['test/bad.test.ts', 'test/gone.test.ts', 'test/good.test.ts']);

  // A deleted test file leaves the reports at the next rerun.
  unlinkSync(join(dir, 'test', 'gone.test.ts'));
  await waitFor('the deletion is seen', () => /test\/gone\.test\.ts deleted/.test(out), { ms: 120_000 });
  appendFileSync(join(dir, 'test', 'good.test.ts'), '// touched again\n');
  await waitFor('the next rerun writes its reports', () => written(3), { ms: 120_000 });
  const after2 = readFileSync(junit, 'utf8');
  assert.match(after2, /<testsuites name="otp test" tests="2" failures="1" /, after2);
  assert.doesNotMatch(after2, /gone\.test\.ts/);
});
