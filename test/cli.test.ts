// End to end: the built `otp` binary, run as a child process the way a user runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../packages/cli/bin/otp.js', import.meta.url));
const otp = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('otp --version prints the version of the cli package', () => {
  const { version } = JSON.parse(readFileSync(new URL('../packages/cli/package.json', import.meta.url), 'utf8'));
  const r = otp('--version');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), version);
});

test('otp --help shows usage with an example', () => {
  const r = otp('--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /otp <command> \[options\]/);
  assert.match(r.stdout, /Examples:/);
});

test('an unknown command or option exits 2 with one clear line', () => {
  for (const args of [['frobnicate'], ['--bogus'], []]) {
    const r = otp(...args);
    assert.equal(r.status, 2, `otp ${args.join(' ')}`);
    assert.match(r.stderr, /^otp: .+\nRun `otp --help` for usage\.\n$/);
  }
});
