// End to end through the built binary: the mistakes an operator makes on `otp procs`, `otp info`, `otp tree`
// and `otp top` are refused with one sentence naming the flag and what it takes (exit 2), before any node is asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';

// A port mapper of this file's own, where no node runs: a command that got as far as asking for the node would fail with exit 1.
await privatePortMapper();
const env = { ...process.env, OTP_COOKIE: 'inspect-usage', NO_COLOR: '1' };
const otp = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 60_000 });

function refused(args: string[], line: string): void {
  const r = otp(...args);
  assert.equal(r.status, 2, `otp ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stderr.split('\n')[0], line, `otp ${args.join(' ')}`);
}

test('a process count, window or interval out of range is a usage error, not a silently different view', () => {
  refused(['procs', 'shop@127.0.0.1', '-n', '0'], "otp: --top must be a whole number of at least 1, got '0'");
  refused(['procs', 'shop@127.0.0.1', '--top', '-5'], "otp: --top must be a whole number of at least 1, got '-5'");
  refused(['procs', 'shop@127.0.0.1', '-n', '2.5'], "otp: --top must be a whole number of at least 1, got '2.5'");
  refused(['procs', 'shop@127.0.0.1', '--window', '-1'], "otp: --window must be a whole number of at least 1, got '-1'");
  refused(['top', 'shop@127.0.0.1', '-n', '0'], "otp: --top must be a whole number of at least 1, got '0'");
  refused(['top', 'shop@127.0.0.1', '--interval', '0'], "otp: --interval must be a whole number of at least 100, got '0'");
});

test('an unknown --sort key is refused naming --sort, the flag the user typed (--by is its other name)', () => {
  refused(['procs', 'shop@127.0.0.1', '--sort', 'bogus'], "otp: --sort must be memory, mailbox, mqueue or reductions, got 'bogus'");
  refused(['procs', 'shop@127.0.0.1', '--sort=cpu'], "otp: --sort must be memory, mailbox, mqueue or reductions, got 'cpu'");
  refused(['procs', 'shop@127.0.0.1', '--by', 'bogus'], "otp: --by must be memory, mailbox, mqueue or reductions, got 'bogus'");
  refused(['top', 'shop@127.0.0.1', '--sort', 'mem'], "otp: --sort must be reductions, memory or mailbox, got 'mem' (did you mean 'memory'?)");
});

test('otp observer refuses a port no server can listen on, before reaching the node', () => {
  for (const port of ['99999', '-1', '1.5']) refused(['observer', 'shop@127.0.0.1', '--no-open', '--port', port], `otp: --port must be a whole number from 0 to 65535 (0 picks a free one), got '${port}'`);
});

test('otp observer refuses an HTTPS certificate or key it cannot use in one sentence naming them, before reaching the node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otp-observer-pem-'));
  try {
    const notPem = join(dir, 'cert.txt');
    writeFileSync(notPem, 'not a certificate\n');
    const r = otp('observer', 'shop@127.0.0.1', '--no-open', '--host', '0.0.0.0', '--https-cert', notPem, '--https-key', notPem);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `otp: cannot serve HTTPS with --https-cert ${notPem} and --https-key ${notPem} (PEM routines::no start line): give a PEM certificate and its unencrypted PEM key\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
