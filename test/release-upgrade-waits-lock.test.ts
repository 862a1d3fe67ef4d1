// An upgrade started while otp release holds the release root's lock for its moves (milliseconds, usually): the start
// script waits for it, saying who holds it, rather than have the node refuse the install blaming another unpack or upgrade.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';
import { daemonWithNextVersion } from './support/upgrade-project.ts';

await privatePortMapper();

const otp = fileURLToPath(new URL('../packages/cli/bin/otp.js', import.meta.url));

test('an upgrade while otp release holds the root\'s lock for its moves waits for it, naming otp release and its os pid, then installs', { timeout: 300_000 }, async () => {
  const { root, remove } = await daemonWithNextVersion('lockwait');
  const gate = join(root, '..', 'lockwait-gate');
  try {
    const dir = join(root, '..', '..', '..', '..');
    const pkg = join(dir, 'package.json');
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.2.0"', '"version": "0.3.0"'));
    // otp release of 0.3.0 held at its first move, under the root's lock.
    const build = run(process.execPath, [otp, 'release', '--upgrade-from', '0.2.0'], dir, { ...process.env, OTP_RELEASE_PAUSE_AT: '0', OTP_RELEASE_PAUSE_FILE: gate });
    const builder = await waitFor('otp release held in its moves', () => (existsSync(`${gate}.paused`) ? readFileSync(`${gate}.paused`, 'utf8') : undefined), { ms: 120_000, everyMs: 50 });
    const upgrade = spawn(join(root, 'bin', 'lockwait'), ['upgrade', '0.2.0', '--probe-ms', '0'], { cwd: root });
    let stdout = '';
    let stderr = '';
    upgrade.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    upgrade.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => upgrade.on('close', resolve));
    await waitFor('the upgrade says what it waits for', () => stderr.includes('waiting for') || undefined, { ms: 25_000, everyMs: 50 });
    assert.match(stderr, new RegExp(`^lockwait: waiting for otp release \\(moving lockwait 0\\.3\\.0 in\\) \\(os pid ${builder}\\) to finish changing releases/RELEASES\\.json`));
    writeFileSync(gate, '');
    assert.equal(await exited, 0, stdout + stderr);
    assert.match(stdout, /upgraded 0\.1\.0 → 0\.2\.0/);
    await ok(build, 'otp release 0.3.0');
    const statuses = Object.fromEntries((JSON.parse(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8')) as { releases: Array<{ vsn: string; status: string }> }).releases.map((r) => [r.vsn, r.status]));
    assert.deepEqual(statuses, { '0.1.0': 'old', '0.2.0': 'permanent', '0.3.0': 'unpacked' });
  } finally {
    writeFileSync(gate, '');
    await remove();
  }
});
