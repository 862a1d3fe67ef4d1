// bin/<name> upgrade to a version whose relup.json an operator broke (edited by hand, truncated in a copy): refused as
// bad input with one sentence naming the file and the fix, the node and the root unchanged, not a TypeError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { daemonWithNextVersion } from './support/upgrade-project.ts';

// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();

test('an upgrade to a version whose relup.json is broken is refused (exit 2) naming the file and the fix, and the node stays on the old version', { timeout: 300_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('relupx');
  try {
    const file = join(root, 'releases', '0.2.0', 'relup.json');
    const good = readFileSync(file, 'utf8');
    const relup = JSON.parse(good) as { up: Array<{ apps: unknown[] }> };
    const broken: Array<[string, RegExp]> = [
      [JSON.stringify({ ...relup, up: {} }), /"up" must be a list of steps/],
      [JSON.stringify({ vsn: '0.2.0' }), /"up" must be a list of steps/],
      [JSON.stringify({ ...relup, up: relup.up.map((s) => ({ ...s, apps: undefined })) }), /each step of "up" must be/],
      [JSON.stringify({ ...relup, up: relup.up.map((s) => ({ ...s, apps: [{ kind: 'change', app: 'relupx' }] })) }), /the step from 0\.1\.0 in "up" has an application change that is not/],
      ['[]', /it must be an object with "vsn", "up" and "down"/],
      ['{"vsn": "0.2.0",', /is not valid JSON/],
    ];
    for (const [text, why] of broken) {
      writeFileSync(file, text);
      const upgrade = await script(['upgrade', '0.2.0']);
      assert.equal(upgrade.status, 2, `${text}: ${upgrade.out}`);
      assert.doesNotMatch(upgrade.stderr, /Cannot read properties|is not a function|undefined/, text);
      assert.match(upgrade.stderr, new RegExp(`0\\.2\\.0 was not installed, nothing was changed: .*relup\\.json `), text);
      assert.match(upgrade.stderr, why, text);
      assert.equal(upgrade.stderr.split('\n').length, 1, upgrade.stderr);
      assert.match(await ok(script(['versions']), 'versions'), /0\.1\.0\s+permanent \(running\)\n0\.2\.0\s+unpacked$/);
    }
    writeFileSync(file, good);
    assert.match(await ok(script(['upgrade', '0.2.0']), 'upgrade with the relup put back'), /upgraded 0\.1\.0 → 0\.2\.0/);
  } finally {
    await remove();
  }
});

test('an upgrade whose relup.json names a module the new version does not have is refused (exit 2) naming the file, the module and the fix; nothing changes', { timeout: 300_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('relupm');
  try {
    const file = join(root, 'releases', '0.2.0', 'relup.json');
    const good = readFileSync(file, 'utf8');
    const relup = JSON.parse(good) as { up: Array<{ apps: Array<{ kind: string; added: string[] }> }> };
    relup.up[0]!.apps.find((a) => a.kind === 'change')!.added.push('relupm/ghost');
    writeFileSync(file, JSON.stringify(relup));
    const upgrade = await script(['upgrade', '0.2.0']);
    assert.equal(upgrade.status, 2, upgrade.out);
    assert.equal(upgrade.stderr, 'relupm: 0.2.0 was not installed, nothing was changed: releases/0.2.0/relup.json names module relupm/ghost, which lib/relupm-0.2.0 does not have: restore the relup.json and lib/relupm-0.2.0 of 0.2.0 from its tarball, or rebuild 0.2.0 with otp release --upgrade-from 0.1.0');
    assert.match(await ok(script(['versions']), 'versions'), /0\.1\.0\s+permanent \(running\)\n0\.2\.0\s+unpacked$/);
    writeFileSync(file, good);
    assert.match(await ok(script(['upgrade', '0.2.0']), 'upgrade with the relup put back'), /upgraded 0\.1\.0 → 0\.2\.0/);
  } finally {
    await remove();
  }
});
