// A second bin/<name> upgrade (to another version) or restart made while an upgrade is installing is refused at once,
// naming the install in progress: queued behind it, it could outlast its client's wait, be reported failed, and still be
// performed by the node afterwards, over a version its caller never saw running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';
import { daemonWithNextVersion, heldUpgrade } from './support/upgrade-project.ts';

await privatePortMapper();

const otp = fileURLToPath(new URL('../packages/cli/bin/otp.js', import.meta.url));

test('an upgrade to another version, or a restart, while an upgrade is installing is refused (exit 1) naming that install, and never performed later', { timeout: 300_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('queued');
  try {
    // 0.3.0, built from 0.2.0 beside it: an upgrade the node could perform once 0.2.0 is installed.
    const dir = join(root, '..', '..', '..', '..');
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'three';\n}\n");
    const pkg = join(dir, 'package.json');
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.2.0"', '"version": "0.3.0"'));
    await ok(run(process.execPath, [otp, 'release', '--upgrade-from', '0.2.0'], dir), 'otp release 0.3.0');

    // The install's health probe is held open until the test removes the hold file: no window's length is relied on.
    const upgrade = heldUpgrade(script, root, '0.2.0');
    await waitFor('0.2.0 being installed', async () => /being installed/.test(await ok(script(['versions']), 'versions')) || undefined, { ms: 120_000, everyMs: 100 });
    const second = await script(['upgrade', '0.3.0']);
    assert.equal(second.status, 1, second.out);
    assert.match(second.stderr, /an install of 0\.2\.0 \(over 0\.1\.0\) is in progress on this node, so 0\.3\.0 was not installed: wait for it to end \(bin\/queued versions shows it\), then run bin\/queued upgrade 0\.3\.0 again/);
    const restart = await script(['restart']);
    assert.equal(restart.status, 1, restart.out);
    assert.match(restart.stderr, /an install of 0\.2\.0 \(over 0\.1\.0\) is in progress on this node, so the applications were not restarted/);
    upgrade.release();
    assert.match(await ok(upgrade.done, 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
    // Nothing was left queued: the node runs 0.2.0, as its caller was told.
    assert.equal(await ok(script(['rpc', 'queued/which', 'which']), 'rpc'), '"two"');
    assert.match(await ok(script(['versions']), 'versions'), /0\.2\.0 +permanent \(running\)[\s\S]*0\.3\.0 +unpacked/);
    assert.match(await ok(script(['upgrade', '0.3.0', '--probe-ms', '0']), 'upgrade 0.3.0'), /upgraded 0\.2\.0 → 0\.3\.0/);
  } finally {
    await remove();
  }
});
