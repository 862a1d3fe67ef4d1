// An upgrade whose codeChange loops without end blocks the node's event loop: no rpc is answered, and nothing in the
// node can end it. The command waits OTP_UPGRADE_WAIT_MS for the report, then polls; a node that answers none of its
// polls for twice their bound is said to be blocked, in one line naming its OS pid, the permanent version and the fix
// (exit 1), rather than waited for without end. Killed and started again, the node boots the permanent version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';
import { daemonWithNextVersion } from './support/upgrade-project.ts';

await privatePortMapper();

test('an upgrade whose codeChange never returns (a synchronous loop) ends in one line saying the node is blocked and how to recover, not in a wait without end', { timeout: 300_000 }, async () => {
  const { script, remove } = await daemonWithNextVersion('blockcc', (dir) => {
    const file = join(dir, 'src', 'blockcc_server.ts');
    const looping = 'codeChange: (_oldVsn, state: State | OldState) => {\n    for (let i = 0; ; i = (i + 1) % 7);\n    return state as State;\n  },';
    writeFileSync(file, replaceOrFail(readFileSync(file, 'utf8'), 'codeChange: (_oldVsn, state: State | OldState) => (state instanceof Map ? { counts: Object.fromEntries(state) } : state),', looping));
  });
  let osPid = 0;
  let killed = false;
  try {
    osPid = Number(await ok(script(['pid']), 'pid'));
    const hung = await script(['upgrade', '0.2.0', '--probe-ms', '0'], { ...process.env, OTP_UPGRADE_WAIT_MS: '2000' });
    assert.equal(hung.status, 1, hung.out);
    const lines = hung.stderr.split('\n');
    assert.equal(lines.length, 1, hung.stderr);
    assert.match(lines[0]!, new RegExp(`^blockcc: blockcc@127\\.0\\.0\\.1 \\(os pid ${osPid}\\) has answered nothing for \\d+ s since the upgrade to 0\\.2\\.0 began: its event loop is blocked \\(a codeChange, or another callback, that loops without end\\) and it will not recover on its own; 0\\.1\\.0 is still permanent: kill it \\(kill -9 ${osPid}; bin/blockcc daemon then boots 0\\.1\\.0\\), then fix the code of 0\\.2\\.0`));

    process.kill(osPid, 'SIGKILL');
    killed = true;
    await waitFor('the blocked node to end', () => (script(['ping']).then((r) => r.stdout === 'pang' || undefined)), { ms: 60_000, everyMs: 200 });
    assert.match(await ok(script(['daemon']), 'daemon after the kill'), /started blockcc 0\.1\.0/);
    assert.equal(await ok(script(['rpc', 'blockcc/which', 'which']), 'which'), '"one"');
  } finally {
    // A node still blocked (the test failed before it killed it) answers no stop.
    if (!killed && osPid > 0) {
      try {
        process.kill(osPid, 'SIGKILL');
      } catch {
        // Ended already.
      }
    }
    await remove();
  }
});
