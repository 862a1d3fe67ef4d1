// End to end through the built binary: a test that calls process.exit fails once, in its own words, with the code the
// process really exits with (process.exit() without a code exits with process.exitCode, as Node's does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
// Outcomes: 'exitCodeThenExitTest' and 'exitSevenTest' fail; 'afterTest' passes in a fresh worker.
const exits = `export function exitCodeThenExitTest(): void { process.exitCode = 1; process.exit(); }
export function exitSevenTest(): void { process.exit(7); }
export function afterTest(): void {}
`;
const dir = scratchProject('exitcall', { 'test/exits.test.ts': exits });

test('a test calling process.exit fails saying the code the process exits with, once, as the test\'s failure and no file warning', () => {
  const r = spawnSync(process.execPath, [bin, 'test'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n').at(-1), '1 passed, 2 failed', r.stdout);
  assert.match(r.stdout, /^✖ test\/exits\.test\.ts › exits > exitCodeThenExitTest\n {4}it called process\.exit\(1\), which ended its worker$/m, r.stdout);
  assert.match(r.stdout, /^✖ test\/exits\.test\.ts › exits > exitSevenTest\n {4}it called process\.exit\(7\), which ended its worker$/m, r.stdout);
  assert.doesNotMatch(r.stdout, /exited with code|while this case ran|^⚠/m, r.stdout);
  assert.equal(r.stdout.match(/process\.exit\(1\)/g)?.length, 1, r.stdout);
});
