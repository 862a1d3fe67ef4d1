// End to end through the built binary: --fail-on-flaky with --retry 2 fails a case that passed on its first retry,
// saying the attempts it really took; the passed retry is not run again as if it had failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
// Outcomes: onceTest fails on its first attempt only (it counts its attempts in a file), so it is flaky.
const once = `import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
export function onceTest(): void {
  const marks = join(process.env.OTP_TEST_ROOT!, 'attempts.txt');
  appendFileSync(marks, 'x');
  if (readFileSync(marks, 'utf8').length === 1) throw new Error('first attempt fails');
}
`;
const dir = scratchProject('flakyattempts', { 'test/once.test.ts': once });

test('--retry 2 --fail-on-flaky fails a case that passed on attempt 2 as such, and runs it twice, not three times', () => {
  const r = spawnSync(process.execPath, [bin, 'test', '--retry', '2', '--fail-on-flaky', '--bail'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n').at(-1), '0 passed, 1 failed', r.stdout);
  assert.match(r.stdout, /flaky: failed 1 time\(s\), then passed on attempt 2 \(--fail-on-flaky\)/, r.stdout);
  assert.match(r.stdout, /passed on attempt 2 \(first failure: Error: first attempt fails\)/, r.stdout);
  assert.equal(readFileSync(join(dir, 'attempts.txt'), 'utf8'), 'xx');
});
