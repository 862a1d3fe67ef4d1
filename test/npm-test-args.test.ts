// `npm test -- PATH…` runs what it names: a folder runs the test files under it, and a path that names nothing to run
// exits 2 with one line, so a CI job's selection can never read green having run nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
// Without node:test's marker of a run inside a test, which would make the inner run skip its files.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT'));
const npmTest = (...args: string[]) => spawnSync(process.execPath, ['scripts/test.mjs', ...args], { cwd: repo, env, encoding: 'utf8', timeout: 300_000 });

test('a folder named to npm test runs the test files under it', () => {
  const r = npmTest('packages/create-otp-ts/test');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const totals = r.stdout.trimEnd().split('\n').at(-1)!;
  assert.match(totals, /^[1-9]\d* passed, 0 failed/);
});

test('a missing path, or a folder without test files, exits 2 naming it', () => {
  const missing = npmTest('packages/no-such-thing');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^npm test: packages\/no-such-thing does not exist: /);
  const empty = npmTest('test/support');
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /^npm test: test\/support holds no test file/);
});
