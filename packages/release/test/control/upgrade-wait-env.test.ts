// OTP_UPGRADE_WAIT_MS, how long bin/<name> upgrade and downgrade wait for the node's report, is checked before anything
// is done: a value that is no whole number of ms from 1 to a day ('abc', -1, 1e400, 0, a month) was read as the default
// (or, past 2^31 ms, as a timer firing at once) without a word; now it is refused in one line naming the variable, exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlProgramPath, startScript } from '../../src/index.ts';

// A release root of fx with 0.1.0 permanent and nothing else: enough for the start script to read its name.
function root(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otp-wait-env-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'fx'), startScript('fx'), { mode: 0o755 });
  copyFileSync(controlProgramPath(), join(dir, 'bin', 'fx.mjs'));
  mkdirSync(join(dir, 'node_modules', '@otp-ts'), { recursive: true });
  symlinkSync(fileURLToPath(new URL('../../../runtime', import.meta.url)), join(dir, 'node_modules', '@otp-ts', 'runtime'));
  mkdirSync(join(dir, 'releases', '0.1.0'), { recursive: true });
  writeFileSync(join(dir, 'releases', '0.1.0', 'release.json'), JSON.stringify({ name: 'fx', vsn: '0.1.0', applications: [] }));
  writeFileSync(join(dir, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'fx', releases: [{ vsn: '0.1.0', status: 'permanent', applications: [] }] }));
  return dir;
}

test('OTP_UPGRADE_WAIT_MS that is no whole number of ms from 1 to a day is refused naming it, exit 2, nothing done', (t) => {
  const dir = root();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [verb, vsn] of [['upgrade', '0.2.0'], ['downgrade', '0.0.1']] as const) {
    for (const value of ['abc', '-1', '1e400', '0', '1.5', '2592000000', 'Infinity']) {
      const r = spawnSync(join(dir, 'bin', 'fx'), [verb, vsn], { encoding: 'utf8', env: { ...process.env, OTP_UPGRADE_WAIT_MS: value } });
      assert.equal(r.status, 2, `${verb} with ${value}: ${r.stderr}`);
      assert.equal(r.stderr, `fx: OTP_UPGRADE_WAIT_MS='${value}' is not a whole number of milliseconds from 1 to 86400000 (one day), so nothing was done: unset it for the default 300000, or give e.g. OTP_UPGRADE_WAIT_MS=600000\n`);
    }
  }
  assert.deepEqual(readdirSync(dir).sort(), ['bin', 'node_modules', 'releases'], 'nothing written');
});

test('OTP_UPGRADE_WAIT_MS in range, or empty, is let through to the next check (here: no node runs)', (t) => {
  const dir = root();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const value of ['', '600000', '86400000']) {
    const r = spawnSync(join(dir, 'bin', 'fx'), ['upgrade', '0.2.0'], { encoding: 'utf8', env: { ...process.env, OTP_UPGRADE_WAIT_MS: value } });
    assert.doesNotMatch(r.stderr, /OTP_UPGRADE_WAIT_MS|ERR_MODULE_NOT_FOUND/, `${value}: ${r.stderr}`);
    assert.match(r.stderr, /^fx: /, `${value}: ${r.stderr}`);
  }
});
