// otp release rebuilding the version a node is installing from the same release root must not replace the files under
// that install: the node would run one build while the root holds another, which the next boot would start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { waitFor } from './support/wait.ts';
import { daemonWithNextVersion, heldUpgrade } from './support/upgrade-project.ts';

await privatePortMapper();

const otp = fileURLToPath(new URL('../packages/cli/bin/otp.js', import.meta.url));
// The files under `dir` whose text holds `word`.
const holding = (dir: string, word: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js') && readFileSync(join(dir, f), 'utf8').includes(word));

test('otp release rebuilding the version an upgrade is installing from its root is refused (exit 1), naming that install, and writes nothing', { timeout: 300_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('rebuilt');
  try {
    const dir = join(root, '..', '..', '..', '..');
    const lib = join(root, 'lib', 'rebuilt-0.2.0');
    const before = holding(lib, 'two');
    assert.ok(before.length > 0, 'the 0.2.0 build being installed holds which() = two');
    const releasesFile = readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8');

    const upgrade = heldUpgrade(script, root, '0.2.0');
    await waitFor('0.2.0 being installed', async () => /being installed/.test(await ok(script(['versions']), 'versions')) || undefined, { ms: 120_000, everyMs: 100 });
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'three';\n}\n");
    const rebuild = await run(process.execPath, [otp, 'release', '--upgrade-from', '0.1.0'], dir);
    assert.equal(rebuild.status, 1, rebuild.out);
    assert.match(rebuild.stderr, /release rebuilt 0\.2\.0 is being installed on its running node \(over 0\.1\.0, os pid \d+\) from .*, so nothing was written: wait for that install to end \(bin\/rebuilt versions shows it\), then run otp release again/);
    assert.deepEqual(holding(lib, 'three'), [], 'the files of the build being installed stay');
    assert.deepEqual(holding(lib, 'two'), before);
    assert.equal(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8'), releasesFile);

    upgrade.release();
    assert.match(await ok(upgrade.done, 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
    assert.equal(await ok(script(['rpc', 'rebuilt/which', 'which']), 'rpc'), '"two"');
    assert.deepEqual(holding(lib, 'two'), before, 'what the next boot starts is the build that runs');
  } finally {
    await remove();
  }
});

test('an upgrade started after otp release planned the version but before it moved it in is still refused by that rebuild (exit 1), and its files stay', { timeout: 300_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('raced');
  const gates = mkdtempSync(join(tmpdir(), 'raced-gate-'));
  try {
    const dir = join(root, '..', '..', '..', '..');
    const lib = join(root, 'lib', 'raced-0.2.0');
    const before = holding(lib, 'two');
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'three';\n}\n");
    // The rebuild plans 0.2.0 (no install yet, so not refused), then is held before it moves anything in.
    const gate = join(gates, 'go');
    const rebuild = run(process.execPath, [otp, 'release', '--upgrade-from', '0.1.0'], dir, { ...process.env, OTP_RELEASE_PAUSE_AT: 'lock', OTP_RELEASE_PAUSE_FILE: gate });
    await waitFor('otp release held before its moves', () => existsSync(`${gate}.paused`), { ms: 120_000, everyMs: 50 });
    const upgrade = heldUpgrade(script, root, '0.2.0');
    await waitFor('0.2.0 being installed', async () => /being installed/.test(await ok(script(['versions']), 'versions')) || undefined, { ms: 120_000, everyMs: 100 });
    writeFileSync(gate, '');
    const rebuilt = await rebuild;
    assert.equal(rebuilt.status, 1, rebuilt.out);
    assert.match(rebuilt.stderr, /release raced 0\.2\.0 is being installed on its running node \(over 0\.1\.0, os pid \d+\) from .*, so nothing was written/);
    assert.deepEqual(holding(lib, 'three'), [], 'the files of the build being installed stay');
    assert.deepEqual(holding(lib, 'two'), before);
    upgrade.release();
    assert.match(await ok(upgrade.done, 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
    assert.equal(await ok(script(['rpc', 'raced/which', 'which']), 'rpc'), '"two"');
  } finally {
    rmSync(gates, { recursive: true, force: true });
    await remove();
  }
});
