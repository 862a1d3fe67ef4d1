// An upgrade to a version one of whose modules does not load (its top level throws as it is imported): the install's
// check evaluates it before anything changes, so the command exits 1 in one sentence naming the module, what it threw,
// that the old version still runs, and the fix; the node serves the old code, and the version built again installs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { daemonWithNextVersion } from './support/upgrade-project.ts';

await privatePortMapper();

const otp = fileURLToPath(new URL('../packages/cli/bin/otp.js', import.meta.url));
const which = "import { limit } from './limits.ts';\nexport function which(): string {\n  return 'two:' + limit;\n}\n";
const limits = (top: string) => `export const limit = 3;\n${top}\n`;

test("an upgrade whose new module throws at its top level is refused in one sentence naming the module and the fix; the old version serves on, and the fixed build installs", { timeout: 300_000 }, async () => {
  let dir = '';
  const { script, root, remove } = await daemonWithNextVersion('loadfail', (project) => {
    dir = project;
    writeFileSync(join(project, 'src', 'which.ts'), which);
    writeFileSync(join(project, 'src', 'limits.ts'), limits("if (limit > 2) throw new Error('limit 3 is over the cap');"));
  });
  try {
    const refused = await script(['upgrade', '0.2.0', '--probe-ms', '0']);
    assert.equal(refused.status, 1, refused.out);
    assert.equal(refused.stdout, '');
    assert.equal(refused.stderr.split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /^loadfail: 0\.2\.0 was not installed and 0\.1\.0 still runs, nothing changed: module loadfail\/limits of 0\.2\.0 does not load \(limit 3 is over the cap\): fix what its top level runs as it is imported, then build 0\.2\.0 again \(otp release --upgrade-from 0\.1\.0\) and run upgrade 0\.2\.0$/);
    assert.equal(await ok(script(['rpc', 'loadfail/which', 'which']), 'which, refused'), '"one"');
    assert.equal(await ok(script(['versions']), 'versions'), '0.1.0        permanent (running)\n0.2.0        unpacked');

    writeFileSync(join(dir, 'src', 'limits.ts'), limits(''));
    await ok(run(process.execPath, [otp, 'release', '--upgrade-from', '0.1.0'], dir), 'otp release 0.2.0, fixed');
    assert.match(await ok(script(['upgrade', '0.2.0', '--probe-ms', '0']), 'upgrade, fixed'), /upgraded 0\.1\.0 → 0\.2\.0/);
    assert.equal(await ok(script(['rpc', 'loadfail/which', 'which']), 'which, upgraded'), '"two:3"');
    assert.match(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8'), /"vsn": "0\.2\.0",\s*"status": "permanent"/);
  } finally {
    await remove();
  }
});
