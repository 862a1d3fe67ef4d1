// bin/<name> upgrade raced by a second upgrade to the same version, and downgrade to a version that never
// existed: each refusal says what is really the matter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

test('a second upgrade to the version an upgrade is installing says that install is in progress (exit 1); a downgrade to a version the root never had lists the versions it has (exit 2)', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'raced-'));
  const dir = join(base, 'race');
  const rel = join(dir, '_build', 'prod', 'rel', 'race');
  const script = (args: string[]) => run(join(rel, 'bin', 'race'), args, rel);
  const pkg = join(dir, 'package.json');
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'race', '--quiet'], base), 'otp new');
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'one';\n}\n");
    await ok(run(process.execPath, [otp, 'release'], dir), 'otp release 0.1.0');
    assert.match(await ok(script(['daemon']), 'daemon'), /started race 0\.1\.0/);
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'two';\n}\n");
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.1.0"', '"version": "0.2.0"'));
    await ok(run(process.execPath, [otp, 'release', '--upgrade-from', '0.1.0'], dir), 'otp release 0.2.0');

    const never = await script(['downgrade', '0.0.1']);
    assert.equal(never.status, 2, never.out);
    assert.doesNotMatch(never.stderr, /unpack it first|bin\/race unpack/);
    assert.match(never.stderr, /0\.0\.1 is not a version of this release root.*versions here: 0\.1\.0 \(permanent\), 0\.2\.0 \(unpacked\)/);

    // A long probe window, ended by the upgrade itself: the second upgrade is made while it lasts.
    const upgrade = script(['upgrade', '0.2.0', '--probe-ms', '30000']);
    await waitFor('0.2.0 being installed', async () => /being installed/.test(await ok(script(['versions']), 'versions')) || undefined, { ms: 28_000, everyMs: 100 });
    const second = await script(['upgrade', '0.2.0']);
    assert.equal(second.status, 1, second.out);
    assert.doesNotMatch(second.stderr, /already running/);
    assert.match(second.stderr, /an install of 0\.2\.0 \(over 0\.1\.0\) is in progress/);
    assert.match(await ok(upgrade, 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
    const again = await script(['upgrade', '0.2.0']);
    assert.equal(again.status, 2, again.out);
    assert.match(again.stderr, /already running/);
    assert.equal(await ok(script(['stop']), 'stop'), 'stopped');
  } finally {
    await script(['stop']);
    rmSync(base, { recursive: true, force: true });
  }
});
