// bin/<name> upgrade raced by a second upgrade to the same version, and downgrade to a version that never
// existed: each refusal says what is really the matter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { waitFor } from './support/wait.ts';
import { daemonWithNextVersion, heldUpgrade } from './support/upgrade-project.ts';

// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();

test('a second upgrade to the version an upgrade is installing says that install is in progress (exit 1); a downgrade to a version the root never had lists the versions it has (exit 2)', { timeout: 300_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('race');
  try {
    const never = await script(['downgrade', '0.0.1']);
    assert.equal(never.status, 2, never.out);
    assert.doesNotMatch(never.stderr, /unpack it first|bin\/race unpack/);
    assert.match(never.stderr, /0\.0\.1 is not a version of this release root.*versions here: 0\.1\.0 \(permanent\), 0\.2\.0 \(unpacked\)/);

    // The install's health probe is held open until the test removes the hold file: no window's length is relied on.
    const upgrade = heldUpgrade(script, root, '0.2.0');
    await waitFor('0.2.0 being installed', async () => /being installed/.test(await ok(script(['versions']), 'versions')) || undefined, { ms: 120_000, everyMs: 100 });
    const second = await script(['upgrade', '0.2.0']);
    assert.equal(second.status, 1, second.out);
    assert.doesNotMatch(second.stderr, /already running/);
    assert.match(second.stderr, /an install of 0\.2\.0 \(over 0\.1\.0\) is in progress/);
    upgrade.release();
    assert.match(await ok(upgrade.done, 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
    const again = await script(['upgrade', '0.2.0']);
    assert.equal(again.status, 2, again.out);
    assert.match(again.stderr, /already running/);
    assert.equal(await ok(script(['stop']), 'stop'), 'stopped');
  } finally {
    await remove();
  }
});
