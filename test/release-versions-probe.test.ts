// `bin/<name> versions` while an upgrade watches its new version: the new version runs, but it is not
// permanent until its health probe passes, and the old one comes back if it fails: the line says so,
// rather than showing an `unpacked` version as simply running.
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

test('versions, during the health probe of an upgrade, shows the new version running but being installed, not permanent yet; once installed, permanent and running', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'probe-'));
  const dir = join(base, 'watch');
  const rel = join(dir, '_build', 'prod', 'rel', 'watch');
  const script = (args: string[]) => run(join(rel, 'bin', 'watch'), args, rel);
  const pkg = join(dir, 'package.json');
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'watch', '--quiet'], base), 'otp new');
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'one';\n}\n");
    await ok(run(process.execPath, [otp, 'release'], dir), 'otp release 0.1.0');
    assert.match(await ok(script(['daemon']), 'daemon'), /started watch 0\.1\.0/);
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'two';\n}\n");
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.1.0"', '"version": "0.2.0"'));
    await ok(run(process.execPath, [otp, 'release', '--upgrade-from', '0.1.0'], dir), 'otp release 0.2.0');

    // A long probe window, ended by the upgrade itself: versions is asked while it lasts.
    const upgrade = script(['upgrade', '0.2.0', '--probe-ms', '30000']);
    const during = await waitFor('versions to show 0.2.0 running', async () => {
      const out = await ok(script(['versions']), 'versions');
      return /^0\.2\.0 .*running/m.test(out) ? out : undefined;
    }, { ms: 28_000, everyMs: 100 });
    assert.equal(during, [
      '0.1.0        permanent',
      '0.2.0        unpacked (running, being installed over 0.1.0: permanent only once its health probe passes, else 0.1.0 comes back)',
    ].join('\n'));
    assert.match(await ok(upgrade, 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
    assert.equal(await ok(script(['versions']), 'versions after'), ['0.1.0        old', '0.2.0        permanent (running)'].join('\n'));
    assert.equal(await ok(script(['stop']), 'stop'), 'stopped');
  } finally {
    await script(['stop']);
    rmSync(base, { recursive: true, force: true });
  }
});
