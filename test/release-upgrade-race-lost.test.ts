// The loser of an upgrade/downgrade race that reaches the node only after the winner finished: the node refuses it (no
// relup leads from the winner's version), and the command exits 1 saying another install won, as it does when it finds
// the winner still installing; not 2, which would blame its own input. The loser is held (SIGSTOP) after it noted the
// permanent version, while it waits for the root's lock, until the winner has installed: no window's length is relied on.
// A loser refused by one of its own checks (its unpack finding the version installed from another tarball) exits 1 too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';
import { daemonWithNextVersion, heldUpgrade } from './support/upgrade-project.ts';

await privatePortMapper();

const otp = fileURLToPath(new URL('../packages/cli/bin/otp.js', import.meta.url));

test('a downgrade that reaches the node after a racing upgrade was installed exits 1, saying another install won', { timeout: 400_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('racelost');
  const lock = join(root, 'releases', 'RELEASES.json.lock');
  try {
    await ok(script(['upgrade', '0.2.0', '--probe-ms', '0']), 'upgrade 0.2.0');
    const dir = join(root, '..', '..', '..', '..');
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'three';\n}\n");
    const pkg = join(dir, 'package.json');
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.2.0"', '"version": "0.3.0"'));
    await ok(run(process.execPath, [otp, 'release', '--upgrade-from', '0.2.0'], dir), 'otp release 0.3.0');

    // The winner: an upgrade to 0.3.0, its health probe held open.
    const winner = heldUpgrade(script, root, '0.3.0');
    await waitFor('0.3.0 being installed', async () => /being installed/.test(await ok(script(['versions']), 'versions')) || undefined, { ms: 120_000, everyMs: 100 });
    // The loser: a downgrade to 0.1.0 (legal from 0.2.0, permanent as it starts), kept at the root's lock, then stopped there.
    writeFileSync(lock, `${process.pid}\nthe race test\n`);
    const loser = spawn(join(root, 'bin', 'racelost'), ['downgrade', '0.1.0', '--probe-ms', '0'], { cwd: root });
    let stderr = '';
    loser.stdout.resume();
    loser.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => loser.on('close', resolve));
    await waitFor('the downgrade waits for the lock', () => stderr.includes('waiting for the race test') || undefined, { ms: 60_000, everyMs: 50 });
    loser.kill('SIGSTOP');
    rmSync(lock);
    winner.release();
    assert.match(await ok(winner.done, 'upgrade 0.3.0'), /upgraded 0\.2\.0 → 0\.3\.0/);
    loser.kill('SIGCONT');

    assert.equal(await exited, 1, stderr);
    const lines = stderr.trim().split('\n').filter((l) => !l.includes('waiting for the race test'));
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, /^racelost: another install won: 0\.3\.0 became permanent \(over 0\.2\.0\) while this downgrade to 0\.1\.0 ran, so 0\.1\.0 was not installed/);
    const statuses = Object.fromEntries((JSON.parse(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8')) as { releases: Array<{ vsn: string; status: string }> }).releases.map((r) => [r.vsn, r.status]));
    assert.deepEqual(statuses, { '0.1.0': 'old', '0.2.0': 'old', '0.3.0': 'permanent' });
  } finally {
    rmSync(lock, { force: true });
    await remove();
  }
});

test('an upgrade whose own unpack finds its version installed meanwhile from another tarball, by a racing upgrade, exits 1 saying another install won', { timeout: 400_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('raceunp');
  const lock = join(root, 'releases', 'RELEASES.json.lock');
  const dir = join(root, '..', '..', '..', '..');
  const tarballs = join(root, '..', '..', '..', '..', '..');
  const build = async (word: string, as: string): Promise<string> => {
    writeFileSync(join(dir, 'src', 'which.ts'), `export function which(): string {\n  return '${word}';\n}\n`);
    await ok(run(process.execPath, [otp, 'release', '--tar', '--upgrade-from', '0.1.0'], dir), `otp release --tar (${word})`);
    const file = join(tarballs, as);
    renameSync(join(root, 'raceunp-0.2.0.tar.gz'), file);
    return file;
  };
  try {
    // Two builds of 0.2.0: the winner installs the first, the loser was given the second.
    const first = await build('two', 'first-raceunp-0.2.0.tar.gz');
    const second = await build('two-again', 'second-raceunp-0.2.0.tar.gz');
    writeFileSync(lock, `${process.pid}\nthe race test\n`);
    const loser = spawn(join(root, 'bin', 'raceunp'), ['upgrade', second, '--probe-ms', '0'], { cwd: root });
    let stderr = '';
    loser.stdout.resume();
    loser.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => loser.on('close', resolve));
    // The loser has noted 0.1.0 permanent and extracted its tarball; it waits for the lock to move it in, and is stopped there.
    await waitFor('the loser waits for the lock', () => stderr.includes('waiting for the race test') || undefined, { ms: 60_000, everyMs: 50 });
    loser.kill('SIGSTOP');
    rmSync(lock);
    assert.match(await ok(script(['upgrade', first, '--probe-ms', '0']), 'the winner\'s upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
    loser.kill('SIGCONT');

    assert.equal(await exited, 1, stderr);
    const lines = stderr.trim().split('\n').filter((l) => !l.includes('waiting for the race test'));
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, /^raceunp: another install won: 0\.2\.0 became permanent \(over 0\.1\.0\) while this upgrade to .*second-raceunp-0\.2\.0\.tar\.gz ran, so it installed nothing: .*is another build of 0\.2\.0, which is installed here \(permanent\)/);
    assert.equal(await ok(script(['rpc', 'raceunp/which', 'which']), 'rpc which'), '"two"');
  } finally {
    rmSync(lock, { force: true });
    await remove();
  }
});
