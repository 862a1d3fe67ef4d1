// End to end through the built binary: a test whose leftover timer calls process.exit after the test returned, while
// the runner still finishes that case (its foreach cleanup runs), fails that test for what it left, and no other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
// Outcomes: 'exits late' fails (its timer calls process.exit while its cleanup still runs); afterTest passes.
const late = `import { foreach } from '@otp-ts/test-runner';
export function lateTests() {
  return foreach(() => undefined, () => new Promise<void>((resolve) => setTimeout(resolve, 1500)), [
    ['exits late', () => { setTimeout(() => process.exit(0), 20); }],
  ]);
}
export function afterTest(): void {}
`;
const dir = scratchProject('lateexit', { 'test/late.test.ts': late });

test('a timer a test left calls process.exit while the runner still finishes that test: the test fails for it after it returned, not as running', () => {
  const r = spawnSync(process.execPath, [bin, 'test'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n').at(-1), '1 passed, 1 failed', r.stdout);
  assert.match(r.stdout, /^✖ test\/late\.test\.ts › late > lateTests > exits late\n {4}after the test returned, it called process\.exit\(0\), which ended its worker$/m, r.stdout);
  assert.doesNotMatch(r.stdout, /while this case ran/);
});
