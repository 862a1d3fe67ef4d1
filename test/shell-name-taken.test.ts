// A newcomer who follows the README keeps the release running (bin/shop daemon) and opens otp shell again:
// both take the node name of config/node.args. The shell says so in one line and how to go on, exit 1,
// instead of an internal error with a stack trace and a crash report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNode } from '@otp-ts/runtime';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';

await privatePortMapper();
const repo = fileURLToPath(new URL('..', import.meta.url));

function otpIn(dir: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end('q()\n');
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

test("otp shell whose node name a running node holds (the project's release) says so in one line, exit 1", { timeout: 120_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'taken-'));
  const holder = createNode({ onCrash: () => {} });
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'shop', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    await holder.startDistribution({ name: 'shop@127.0.0.1', cookie: 'holder', log: () => {} });
    const shell = await otpIn(join(base, 'shop'), ['shell']);
    assert.equal(shell.status, 1, shell.stdout + shell.stderr);
    assert.doesNotMatch(shell.stderr, /internal error|crash report|\n\s+at /);
    assert.match(shell.stderr, /^otp: the shell's node name shop@127\.0\.0\.1 \(from config\/node\.args, .*\) is taken by a running node on this host: stop that node .*otp shell --sname shop_dev\n$/);
  } finally {
    holder.shutdown();
    rmSync(base, { recursive: true, force: true });
  }
});
