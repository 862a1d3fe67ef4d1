// A version's tarball extracted by hand part way into a deployed root (releases/<vsn>/ there, no lib/ folders, not
// listed in RELEASES.json): upgrade and downgrade both refuse it (exit 2) saying what is wrong with its files and the
// fix, where downgrade advised `upgrade` and upgrade then said the version was not found; unpacking the tarball again
// (the fix named) replaces the partial files, and the upgrade then installs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extract } from 'tar';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

await privatePortMapper();

test('a version extracted by hand part way: upgrade and downgrade say what its files lack and to unpack its tarball again, which then works', { timeout: 600_000 }, async () => {
  const project = releaseProject('halfway', { prefix: 'half-unpacked-' });
  const { base, dir, rel } = project;
  const deploy = join(base, 'deploy');
  const script = (args: string[]) => run(join(deploy, 'bin', 'halfway'), args, deploy);
  try {
    await project.create();
    await ok(project.otp(['release', '--tar']), 'otp release 0.1.0');
    mkdirSync(deploy);
    await extract({ file: join(rel, 'halfway-0.1.0.tar.gz'), cwd: deploy });
    assert.match(await ok(script(['daemon']), 'daemon'), /started halfway 0\.1\.0/);
    const pkg = join(dir, 'package.json');
    writeFileSync(pkg, readFileSync(pkg, 'utf8').replace('"version": "0.1.0"', '"version": "0.2.0"'));
    await ok(project.otp(['release', '--tar', '--upgrade-from', '0.1.0']), 'otp release 0.2.0');
    const tarball = join(rel, 'halfway-0.2.0.tar.gz');

    // By hand, only the version's releases/ folder out of its tarball.
    await extract({ file: tarball, cwd: deploy }, ['releases/0.2.0']);
    assert.equal(existsSync(join(deploy, 'releases', '0.2.0', 'release.json')), true);
    assert.equal(existsSync(join(deploy, 'lib', 'halfway-0.2.0')), false);
    const listed = readFileSync(join(deploy, 'releases', 'RELEASES.json'), 'utf8');
    for (const verb of ['downgrade', 'upgrade']) {
      const refused = await script([verb, '0.2.0']);
      assert.equal(refused.status, 2, `${verb}: ${refused.out}`);
      assert.equal(refused.stderr.trimEnd().split('\n').length, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`0\\.2\\.0 is not unpacked here, so nothing was installed: releases/0\\.2\\.0/ exists but releases/RELEASES\\.json does not list 0\\.2\\.0 and lib/halfway-0\\.2\\.0 is missing \\(its tarball extracted by hand, or part way\\): unpack its tarball again with bin/halfway unpack path/to/halfway-0\\.2\\.0\\.tar\\.gz .*then run ${verb} 0\\.2\\.0`), verb);
      assert.doesNotMatch(refused.stderr, /is an upgrade|neither installed nor found/, verb);
      assert.equal(readFileSync(join(deploy, 'releases', 'RELEASES.json'), 'utf8'), listed, `${verb} left RELEASES.json as it was`);
    }
    assert.match(await ok(script(['versions']), 'versions'), /^0\.1\.0\s+permanent \(running\)$/);

    // The fix it names: the tarball unpacked again replaces the partial files, and the upgrade installs.
    assert.match(await ok(script(['unpack', tarball]), 'unpack the tarball again'), /unpacked 0\.2\.0/);
    assert.match(await ok(script(['upgrade', '0.2.0']), 'upgrade 0.2.0'), /upgraded 0\.1\.0 → 0\.2\.0/);
  } finally {
    await script(['stop']);
    rmSync(base, { recursive: true, force: true });
  }
});
