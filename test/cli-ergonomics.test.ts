// Command lines testers typed and were answered badly: each case runs the built `otp` as a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, otpWith, type Run } from './support/cli.ts';

const otp = otpWith(process.env);

// `otp ARGS..` run in `cwd`.
const otpIn = (cwd: string, ...args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? ((error as { code?: number | null }).code ?? 1) : 0, stdout, stderr });
    });
  });

test('an unknown option of another tool, or another form of a known one, is refused naming the option meant', { timeout: 120_000 }, async () => {
  const cases: Array<[string[], string]> = [
    [['test', '--retries', '2'], "unknown option '--retries' for otp test (did you mean '--retry'?)"],
    [['test', '--only', 'adds'], "unknown option '--only' for otp test (did you mean '--grep'?)"],
    [['test', '--workers', '2'], "unknown option '--workers' for otp test (did you mean '--jobs'?)"],
    // Erlang's one-dash flags: -verbose was read as -v (the version), so no test ran and the exit was 0.
    [['test', '-verbose'], "unknown option '-verbose' for otp test (did you mean '--verbose'?)"],
    [['compile', '-profile', 'prod'], "unknown option '-profile' for otp compile (did you mean '--profile'?)"],
  ];
  for (const [args, message] of cases) {
    const r = await otp(...args);
    assert.equal(r.status, 2, `otp ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0]!, new RegExp(`^otp: ${message.replace(/[()?.]/g, '\\$&')}`), `otp ${args.join(' ')}`);
  }
});

test('otp new into a place no folder can be made says which folder and what to do, leaves nothing and does not hang', { timeout: 120_000 }, async () => {
  for (const dir of ['/proc/otp-new-test', '/proc/otp-new-test/a/b']) {
    const r = await otp('new', 'app', 'ro', '--dir', dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^otp: cannot write the project into \/proc\/otp-new-test\S*: no folder can be made there \(ENOENT in \/proc\); nothing was created \(give --dir a folder you can write to\)\n$/);
    assert.doesNotMatch(r.stderr, /\.otp-new-/);
  }
});

test('words after -- are positionals: otp new app -- shop creates shop', { timeout: 120_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'otp-dashdash-'));
  try {
    const r = await otpIn(cwd, 'new', 'app', '--', 'shop');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(cwd, 'shop', 'src', 'shop_app.ts')), r.stdout);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
