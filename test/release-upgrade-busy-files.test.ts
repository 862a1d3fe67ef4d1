// A second bin/<name> upgrade (or unpack) given a tarball of the version an upgrade is still installing must not replace
// that version's files under the running install: the node would run one build while the root holds another, which
// the next boot would start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create } from 'tar';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';
import { daemonWithNextVersion, heldUpgrade } from './support/upgrade-project.ts';

await privatePortMapper();

// The files of `module` under lib/<app>-<vsn>/ whose text holds `word`.
const holding = (dir: string, word: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js') && readFileSync(join(dir, f), 'utf8').includes(word));

test('a tarball of the version an upgrade is installing is refused by a second upgrade or unpack (exit 1), naming that install, and the files it runs stay', { timeout: 300_000 }, async () => {
  const { script, root, remove } = await daemonWithNextVersion('busyfiles');
  const build = mkdtempSync(join(root, '..', 'rebuild-'));
  try {
    const lib = join(root, 'lib', 'busyfiles-0.2.0');
    const [whichFile] = holding(lib, "'two'").length ? holding(lib, "'two'") : holding(lib, '"two"');
    assert.ok(whichFile, 'the 0.2.0 build being installed holds which() = two');
    // Another build of 0.2.0: the same files, which() answering 'three'.
    const release = JSON.parse(readFileSync(join(root, 'releases', '0.2.0', 'release.json'), 'utf8')) as { applications: Array<{ name: string; vsn: string }> };
    for (const app of release.applications) cpSync(join(root, 'lib', `${app.name}-${app.vsn}`), join(build, 'lib', `${app.name}-${app.vsn}`), { recursive: true });
    cpSync(join(root, 'releases', '0.2.0'), join(build, 'releases', '0.2.0'), { recursive: true });
    rmSync(join(build, 'releases', '0.2.0', 'unpacked.json'), { force: true });
    const rebuilt = join(build, 'lib', 'busyfiles-0.2.0', whichFile);
    writeFileSync(rebuilt, replaceOrFail(readFileSync(rebuilt, 'utf8'), /(['"])two\1/, "'three'"));
    const tarball = join(build, 'busyfiles-0.2.0.tar.gz');
    await create({ file: tarball, cwd: build, gzip: true, portable: true }, ['lib', 'releases']);

    const upgrade = heldUpgrade(script, root, '0.2.0');
    await waitFor('0.2.0 being installed', async () => /being installed/.test(await ok(script(['versions']), 'versions')) || undefined, { ms: 120_000, everyMs: 100 });
    for (const command of [['upgrade', tarball], ['unpack', tarball]]) {
      const second = await script(command);
      assert.equal(second.status, 1, `${command[0]}: ${second.out}`);
      assert.match(second.stderr, /busyfiles-0\.2\.0\.tar\.gz was not unpacked, so nothing under .* was changed: 0\.2\.0 is being installed on the running node \(over 0\.1\.0\), from the files it would replace: wait for that install to end \(bin\/busyfiles versions shows it\), then run it again/, command[0]);
      assert.match(readFileSync(join(lib, whichFile), 'utf8'), /(['"])two\1/, `${command[0]}: the files of the build being installed stay`);
    }
    upgrade.release();
    assert.match(await ok(upgrade.done, 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
    assert.equal(await ok(script(['rpc', 'busyfiles/which', 'which']), 'rpc'), '"two"');
    assert.match(readFileSync(join(lib, whichFile), 'utf8'), /(['"])two\1/, 'what the next boot starts is the build that runs');
  } finally {
    rmSync(build, { recursive: true, force: true });
    await remove();
  }
});
