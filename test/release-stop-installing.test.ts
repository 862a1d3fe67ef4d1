// bin/<name> stop while an upgrade installs: the node stops once the install has ended (installed, or rolled back), so
// stop says so at once and waits for it, rather than be silent and give up after 60 s with the node still running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { waitFor } from './support/wait.ts';
import { daemonWithNextVersion, heldUpgrade } from './support/upgrade-project.ts';

await privatePortMapper();

test('stop during an upgrade says the node stops once the install has ended, waits for it, and the upgrade is reported', { timeout: 300_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('stopinst');
  try {
    const upgrade = heldUpgrade(script, root, '0.2.0');
    await waitFor('0.2.0 being installed', async () => /being installed/.test(await ok(script(['versions']), 'versions')) || undefined, { ms: 120_000, everyMs: 100 });
    const stop = spawn(join(root, 'bin', 'stopinst'), ['stop'], { cwd: root });
    let stdout = '';
    let stderr = '';
    stop.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    stop.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => stop.on('close', resolve));
    await waitFor('stop says what it waits for', () => stderr.includes('\n') || undefined, { ms: 60_000, everyMs: 50 });
    assert.equal(stderr, 'stopinst: the node stops once the install of 0.2.0 over 0.1.0 has ended (installed, or rolled back): waiting for it\n');
    upgrade.release();
    assert.match(await ok(upgrade.done, 'upgrade 0.2.0'), /upgraded 0\.1\.0 → 0\.2\.0/);
    assert.equal(await exited, 0, stdout + stderr);
    assert.equal(stdout, 'stopped\n');
    assert.match(await ok(script(['versions']), 'versions'), /0\.2\.0\s+permanent$/m);
  } finally {
    await remove();
  }
});
