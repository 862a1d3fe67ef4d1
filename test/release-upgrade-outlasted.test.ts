// bin/<name> upgrade whose install outlasts the command's wait for the node's report (OTP_UPGRADE_WAIT_MS, 300 s by
// default): the node goes on installing, so the command must not say the upgrade failed while the node completes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ok, run } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { daemonWithNextVersion } from './support/upgrade-project.ts';

// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();

test('an upgrade that outlasts the wait for its report is waited for while the node says it is installing, and reported installed (exit 0), not as a timeout', { timeout: 300_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('slow');
  try {
    // A wait of 1 ms beyond the 2 s probe window: the install (plan, check, swap, then the probe) always takes longer.
    const upgrade = await run(join(root, 'bin', 'slow'), ['upgrade', '0.2.0', '--probe-ms', '2000'], root, { ...process.env, OTP_UPGRADE_WAIT_MS: '1' });
    assert.equal(upgrade.status, 0, upgrade.out);
    assert.doesNotMatch(upgrade.out, /timeout/i);
    assert.match(upgrade.stdout, /upgraded 0\.1\.0 → 0\.2\.0; 0\.2\.0 is permanent/);
    assert.match(await ok(script(['versions']), 'versions'), /0\.2\.0\s+permanent \(running\)/);
    assert.equal(await ok(script(['rpc', 'slow/which', 'which']), 'rpc which'), '"two"');
  } finally {
    await remove();
  }
});
