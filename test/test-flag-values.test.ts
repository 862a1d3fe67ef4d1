// `otp test` refuses a switch given a value other than true or false, and a --seed no run prints (it would be
// wrapped to another 32-bit seed): exit 2, one sentence naming the flag and what it takes, no test run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

const refusals: [string[], RegExp][] = [
  [['--bail=maybe'], /^otp: --bail is a switch: give it alone \(--bail\) or as --bail=true or --bail=false, got '--bail=maybe'/],
  [['--no-shuffle=sometimes'], /^otp: --no-shuffle is a switch/],
  [['--seed', '99999999999999999999'], /^otp: --seed must be a whole number from -2147483648 to 4294967295 \(a seed a run printed\), got a larger one/],
  [['--seed', '4294967296'], /^otp: --seed must be a whole number from -2147483648 to 4294967295 .*got 4294967296/],
  [['--seed=-2147483649'], /^otp: --seed must be a whole number from -2147483648 to 4294967295 .*got -2147483649/],
];

test('otp test refuses --bail=maybe and an out-of-range --seed: exit 2 naming the flag and the values it takes', { timeout: 180_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'testflags-'));
  const dir = join(base, 'kiosk');
  try {
    await ok(run(process.execPath, [otp, 'new', 'lib', 'kiosk', '--quiet'], base), 'otp new');
    for (const [args, message] of refusals) {
      const r = await run(process.execPath, [otp, 'test', ...args], dir);
      assert.equal(r.status, 2, `otp test ${args.join(' ')}: ${r.out}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.out, /running \d+ test file/);
    }
    // The largest seed a run prints still replays.
    const top = await run(process.execPath, [otp, 'test', '--seed', '4294967295', '--bail=true'], dir);
    assert.equal(top.status, 0, top.out);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
