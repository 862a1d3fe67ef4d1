// End to end through the built binary: `otp test --cover` with a selection that holds no test ran nothing, so it
// prints no coverage table (what loading the test files ran is no test's coverage) and no threshold is held against
// it; it ends as the same run without --cover does: failed for the empty selection, passed with --pass-with-no-tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const dir = scratchProject('cover-empty', {
  'src/full.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
  'test/full.test.ts': "import { add } from '../src/full';\nexport function addTest(): void { if (add(1, 2) !== 3) throw new Error('bad'); }\n",
});
const otp = (...args: string[]) => spawnSync(process.execPath, [bin, 'test', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });

test('--cover with a --grep that selects no test prints no coverage table and fails for the empty selection, as without --cover', () => {
  const plain = otp('--grep', 'nothing');
  const covered = otp('--cover', '--grep', 'nothing', '--cover-threshold', '90');
  assert.equal(covered.status, plain.status, covered.stdout + covered.stderr);
  assert.equal(covered.status, 1);
  assert.equal(covered.stderr, plain.stderr);
  assert.match(covered.stderr, /^otp: --grep nothing matched no test; closest: full > addTest$/m);
  assert.doesNotMatch(covered.stdout, /% Lines|All files/, 'no coverage table');
  assert.match(covered.stdout, /^no coverage to report: no test ran$/m);
  assert.equal(covered.stdout.trimEnd().split('\n').at(-1), '0 passed, 0 failed');
});

test('--cover --pass-with-no-tests with an empty selection passes, with no table and no threshold held against it', () => {
  const r = otp('--cover', '--grep', 'nothing', '--pass-with-no-tests', '--cover-threshold', '90');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /% Lines|All files/, 'no coverage table');
  assert.equal(r.stdout.trimEnd().split('\n').at(-1), '0 passed, 0 failed');
});
