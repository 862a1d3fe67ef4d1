// `bin/<name> versions` while an upgrade watches its new version: the new version runs, but it is not
// permanent until its health probe passes, and the old one comes back if it fails: the line says so,
// rather than showing an `unpacked` version as simply running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { waitFor } from './support/wait.ts';
import { daemonWithNextVersion, heldUpgrade } from './support/upgrade-project.ts';

// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();

test('versions, during the health probe of an upgrade, shows the new version running but being installed, not permanent yet; once installed, permanent and running', { timeout: 300_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('watch');
  try {
    // The health probe held open until the test removes the hold file: versions is asked while it lasts.
    const upgrade = heldUpgrade(script, root, '0.2.0');
    const during = await waitFor('versions to show 0.2.0 running', async () => {
      const out = await ok(script(['versions']), 'versions');
      return /^0\.2\.0 .*running/m.test(out) ? out : undefined;
    }, { ms: 120_000, everyMs: 100 });
    assert.equal(during, [
      '0.1.0        permanent',
      '0.2.0        unpacked (running, being installed over 0.1.0: permanent only once its health probe passes, else 0.1.0 comes back)',
    ].join('\n'));
    upgrade.release();
    assert.match(await ok(upgrade.done, 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
    assert.equal(await ok(script(['versions']), 'versions after'), ['0.1.0        old', '0.2.0        permanent (running)'].join('\n'));
    assert.equal(await ok(script(['stop']), 'stop'), 'stopped');
  } finally {
    await remove();
  }
});
