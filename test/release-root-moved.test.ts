// A release root moved (mv) while its node runs: the node still says it was started from the old path, which is
// gone. The start script at the new place reaches it as its own (run/<name>.pid, moved along, names the node):
// pid, versions and stop work, rather than be refused pointing at a start script that no longer exists.
// A root moved while its node is stopped is a fresh root: it boots, upgrades and downgrades from its new place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';
import { daemonWithNextVersion } from './support/upgrade-project.ts';

await privatePortMapper();

test('a release root moved after its node booted: bin/<name> pid, versions (marking what runs) and stop from the new place reach the node as this root\'s', { timeout: 180_000 }, async () => {
  const project = releaseProject('mover', { prefix: 'relmoved-' });
  const { base, rel } = project;
  const moved = join(base, 'srv-mover');
  const at = (root: string) => (args: string[]) => run(join(root, 'bin', 'mover'), args, root);
  try {
    await project.create();
    await ok(project.otp(['release']), 'otp release');
    const started = await ok(at(rel)(['daemon']), 'daemon');
    const pid = /\(os pid (\d+)\)/.exec(started)![1];
    renameSync(rel, moved);
    assert.equal(await ok(at(moved)(['pid']), 'pid from the moved root'), pid);
    // The node's own root is gone: it still says what it runs, marked as ever.
    assert.equal(await ok(at(moved)(['versions']), 'versions from the moved root'), '0.1.0        permanent (running)');
    assert.equal(await ok(at(moved)(['stop']), 'stop from the moved root'), 'stopped');
    assert.equal((await at(moved)(['ping'])).stdout, 'pang');
  } finally {
    for (const root of [moved, rel]) if (existsSync(join(root, 'bin'))) await at(root)(['stop']);
    rmSync(base, { recursive: true, force: true });
  }
});

test('an upgrade from a release root moved after its node booted is refused (exit 1) naming both paths and the fix, nothing installed; moved back, it installs', { timeout: 300_000 }, async () => {
  const { root, remove } = await daemonWithNextVersion('mvup');
  const moved = `${root}-moved`;
  const at = (where: string) => (args: string[]) => run(join(where, 'bin', 'mvup'), args, where);
  try {
    renameSync(root, moved);
    const refused = await at(moved)(['upgrade', '0.2.0']);
    assert.equal(refused.status, 1, refused.out);
    assert.doesNotMatch(refused.out, /is missing|is not a release root/);
    assert.match(refused.stderr, /was started from .*mvup, and this release root has moved here \(.*mvup-moved\) since, so nothing was unpacked or installed/);
    assert.match(refused.stderr, /bin\/mvup stop, then bin\/mvup daemon\) and run upgrade again, or move the root back/);
    renameSync(moved, root);
    assert.match(await ok(at(root)(['upgrade', '0.2.0', '--probe-ms', '0']), 'upgrade from the root moved back'), /upgraded 0\.1\.0 → 0\.2\.0/);
  } finally {
    if (existsSync(moved)) renameSync(moved, root);
    await remove();
  }
});

test('a release root moved while its node is stopped starts fresh from the new place on the permanent version, and downgrades and upgrades there', { timeout: 300_000 }, async () => {
  const { root, remove } = await daemonWithNextVersion('mvstop');
  const moved = `${root}-moved`;
  const at = (where: string) => (args: string[]) => run(join(where, 'bin', 'mvstop'), args, where);
  try {
    await ok(at(root)(['upgrade', '0.2.0', '--probe-ms', '0']), 'upgrade at the first place');
    assert.equal(await ok(at(root)(['stop']), 'stop'), 'stopped');
    renameSync(root, moved);
    assert.match(await ok(at(moved)(['daemon']), 'daemon from the moved root'), /started mvstop 0\.2\.0/);
    assert.equal(await ok(at(moved)(['versions']), 'versions'), '0.1.0        old\n0.2.0        permanent (running)');
    assert.equal(await ok(at(moved)(['rpc', 'mvstop/which', 'which']), 'which, booted'), '"two"');
    assert.match(await ok(at(moved)(['downgrade', '0.1.0', '--probe-ms', '0']), 'downgrade at the new place'), /downgraded 0\.2\.0 → 0\.1\.0/);
    assert.equal(await ok(at(moved)(['rpc', 'mvstop/which', 'which']), 'which, downgraded'), '"one"');
    assert.match(await ok(at(moved)(['upgrade', '0.2.0', '--probe-ms', '0']), 'upgrade at the new place'), /upgraded 0\.1\.0 → 0\.2\.0/);
    assert.equal(await ok(at(moved)(['rpc', 'mvstop/which', 'which']), 'which, upgraded'), '"two"');
    assert.equal(await ok(at(moved)(['stop']), 'stop from the moved root'), 'stopped');
  } finally {
    if (existsSync(moved)) {
      await at(moved)(['stop']);
      renameSync(moved, root);
    }
    await remove();
  }
});
