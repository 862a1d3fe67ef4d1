// `otp shell` with endless input and no newline (`< /dev/zero`) crashed with "RangeError: Invalid string length"
// once the line it buffered outgrew a string. Piped input now takes lines up to 1 MiB: a longer one is refused with
// one line naming the bound, the lines before it run, and the shell ends, exit 2.
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';
import type { Ran } from './support/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const NAME = 'longsh';
const epmdPort = await privatePortMapper();

// The shell with /dev/zero, or `input`, as its stdin; killed if still running after 120 s (status null). The shell
// stops reading at the long line, so writing the rest of `input` may meet a closed pipe: that is expected.
function shellWith(dir: string, env: NodeJS.ProcessEnv, input?: string): Promise<Ran> {
  const zero = input === undefined ? openSync('/dev/zero', 'r') : 'pipe';
  const child = spawn(process.execPath, [bin, 'shell'], { cwd: dir, env, stdio: [zero, 'pipe', 'pipe'] });
  if (typeof zero === 'number') closeSync(zero);
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out: stdout + stderr, stdout: stdout.trim(), stderr: stderr.trim() });
    }),
  );
}

test('otp shell refuses a piped line longer than 1 MiB with one line and exit 2, and /dev/zero no longer crashes it', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'longsh_cookie', NO_COLOR: '1' };
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const dir = join(base, NAME);
    const long = await shellWith(dir, env, `40 + 2\n${'x'.repeat(2 * 1024 * 1024)}\n6 * 7 + 1\n`);
    assert.equal(long.status, 2, long.out.slice(0, 2000));
    assert.match(long.stdout, /otp> 42$/m, 'the lines before the long one run');
    assert.match(long.stderr, /^otp: an input line is longer than 1 MiB/m, long.out.slice(0, 2000));
    assert.doesNotMatch(long.out, /ReferenceError|otp> 43/, 'the long line and the lines after it do not run');

    const zero = await shellWith(dir, env);
    assert.equal(zero.status, 2, zero.out.slice(0, 2000));
    assert.match(zero.stderr, /^otp: an input line is longer than 1 MiB/m, zero.out.slice(0, 2000));
    assert.doesNotMatch(zero.out, /RangeError/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
