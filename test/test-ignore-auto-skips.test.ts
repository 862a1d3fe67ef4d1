// End to end through the built binary: `otp test --ignore-auto-skips` (and otp.config.ts's test.ignoreAutoSkips) is
// ct_run's -exit_status ignore_config: a suite skipped because the run lacks its required config passes the run, in the
// exit code, the closing lines and the JUnit XML alike; a failed init function still fails it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const dir = scratchProject('ignore-auto-skips', {
  'test/db.suite.ts': "export const all = () => ['readsTest', 'writesTest'];\nexport const suite = () => ({ require: ['dbUrl'] });\nexport function readsTest(): void {}\nexport function writesTest(): void {}\n",
  'test/plain.test.ts': 'export function addTest(): void {}\n',
});
const broken = "export const all = () => ['aCase'];\nexport function initPerSuite(): never {\n  throw new Error('database down');\n}\nexport function aCase(): void {}\n";

const otp = (...args: string[]) => spawnSync(process.execPath, [bin, 'test', '--reporter', 'tty,junit,json', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
const junit = (): string => readFileSync(join(dir, '_build', 'test', 'junit.xml'), 'utf8');
const json = (): { ok: boolean; autoSkipsIgnored?: boolean } => JSON.parse(readFileSync(join(dir, '_build', 'test', 'results.json'), 'utf8'));
const tail = (s: string): string[] => s.trimEnd().split('\n').slice(-3);

test('without the flag a suite missing its required config fails the run, and the closing lines name the flag', () => {
  const r = otp();
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.deepEqual(tail(r.stdout), ['⚠ 2 test(s) auto-skipped (required config missing: dbUrl): auto-skipped tests fail the run, as in Common Test (--ignore-auto-skips lets them pass)', '', '1 passed, 0 failed, 2 skipped']);
  assert.match(junit(), /<testsuites name="otp test" tests="3" failures="0" errors="2" skipped="0"/);
});

test('--ignore-auto-skips passes it, and every report agrees: the JUnit XML counts skips, not errors', () => {
  const r = otp('--ignore-auto-skips');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // Its cases were all skipped: the file ran nothing, so its line is no ✔.
  assert.match(r.stdout, /^- test\/db\.suite\.ts \(0 passed, 2 skipped/m);
  assert.deepEqual(tail(r.stdout), ['⚠ 2 test(s) auto-skipped (required config missing: dbUrl): they do not fail the run (--ignore-auto-skips)', '', '1 passed, 0 failed, 2 skipped']);
  const xml = junit();
  assert.match(xml, /<testsuites name="otp test" tests="3" failures="0" errors="0" skipped="2"/);
  assert.match(xml, /<testcase name="readsTest" [^>]*>\n\s+<skipped message="required config missing: dbUrl"\/>/);
  assert.deepEqual([json().ok, json().autoSkipsIgnored], [true, true]);
});

test("otp.config.ts's test.ignoreAutoSkips does the same; a failed initPerSuite still fails the run under it", () => {
  writeFileSync(join(dir, 'otp.config.ts'), 'export default { test: { ignoreAutoSkips: true } };\n');
  try {
    assert.equal(otp().status, 0);
    writeFileSync(join(dir, 'test', 'broken.suite.ts'), broken);
    const r = otp();
    assert.equal(r.status, 1, r.stdout);
    assert.equal(tail(r.stdout).at(-1), '1 passed, 1 failed, 3 skipped');
    assert.match(junit(), /<testsuites name="otp test" tests="5" failures="1" errors="0" skipped="3"/);
    writeFileSync(join(dir, 'otp.config.ts'), "export default { test: { ignoreAutoSkips: 'yes' } };\n");
    const bad = otp();
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /otp\.config\.ts: 'test\.ignoreAutoSkips' must be/);
  } finally {
    rmSync(join(dir, 'otp.config.ts'), { force: true });
    rmSync(join(dir, 'test', 'broken.suite.ts'), { force: true });
  }
});
