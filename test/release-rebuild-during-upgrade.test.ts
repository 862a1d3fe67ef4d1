// otp release adding a version while the running node makes another permanent must not write back the RELEASES.json it
// read before: the upgrade would be lost from it, and the next boot would start the version the node left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';
import { daemonWithNextVersion } from './support/upgrade-project.ts';

await privatePortMapper();

const otp = fileURLToPath(new URL('../packages/cli/bin/otp.js', import.meta.url));

test('an upgrade made permanent while otp release builds another version stays permanent in RELEASES.json', { timeout: 300_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('lostup');
  try {
    const dir = join(root, '..', '..', '..', '..');
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'three';\n}\n");
    const pkg = join(dir, 'package.json');
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.2.0"', '"version": "0.3.0"'));
    // The build of 0.3.0 is held after its plan (which read RELEASES.json), before it takes the root's lock to move anything in.
    const gate = join(root, '..', 'lostup-gate');
    const build = run(process.execPath, [otp, 'release', '--upgrade-from', '0.2.0'], dir, { ...process.env, OTP_RELEASE_PAUSE_AT: 'lock', OTP_RELEASE_PAUSE_FILE: gate });
    await waitFor('otp release held before its moves', () => existsSync(`${gate}.paused`) || undefined, { ms: 120_000, everyMs: 50 });
    assert.match(await ok(script(['upgrade', '0.2.0', '--probe-ms', '0']), 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
    writeFileSync(gate, '');
    await ok(build, 'otp release 0.3.0');
    const statuses = Object.fromEntries((JSON.parse(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8')) as { releases: Array<{ vsn: string; status: string }> }).releases.map((r) => [r.vsn, r.status]));
    assert.deepEqual(statuses, { '0.1.0': 'old', '0.2.0': 'permanent', '0.3.0': 'unpacked' });
    assert.match(await ok(script(['upgrade', '0.3.0', '--probe-ms', '0']), 'upgrade 0.3.0'), /upgraded 0\.2\.0 → 0\.3\.0/);
  } finally {
    await remove();
  }
});
