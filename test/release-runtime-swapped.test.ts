// The root's node_modules/@otp-ts/runtime replaced while its node runs (an npm install in the root): the node runs the
// runtime it booted on, and a version installed now would be made permanent on one its next boot refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail } from './support/wait.ts';
import { daemonWithNextVersion } from './support/upgrade-project.ts';

await privatePortMapper();

test('an upgrade while the root holds another @otp-ts/runtime than the node booted on is refused (exit 2) naming both and the fix; put back, it installs', { timeout: 300_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('rtswap');
  try {
    const pkg = join(root, 'node_modules', '@otp-ts', 'runtime', 'package.json');
    const booted = readFileSync(pkg, 'utf8');
    const version = (JSON.parse(booted) as { version: string }).version;
    writeFileSync(pkg, replaceOrFail(booted, `"version": "${version}"`, '"version": "9.9.9"'));
    const refused = await script(['upgrade', '0.2.0']);
    assert.equal(refused.status, 2, refused.out);
    assert.match(refused.stderr, new RegExp(`node_modules/@otp-ts/runtime is 9\\.9\\.9, replaced since the node booted on @otp-ts/runtime ${version.replaceAll('.', '\\.')} .*so 0\\.2\\.0 was not installed and nothing was changed`));
    assert.match(refused.stderr, /put @otp-ts\/runtime \S+ back in the root .* and run upgrade 0\.2\.0 again/);
    assert.equal(await ok(script(['rpc', 'rtswap/which', 'which']), 'rpc'), '"one"', '0.1.0 still runs');
    assert.match(await ok(script(['versions']), 'versions'), /^0\.1\.0 +permanent \(running\)$/m);
    writeFileSync(pkg, booted);
    assert.match(await ok(script(['upgrade', '0.2.0', '--probe-ms', '0']), 'upgrade once the runtime is back'), /upgraded 0\.1\.0 → 0\.2\.0/);
  } finally {
    await remove();
  }
});
