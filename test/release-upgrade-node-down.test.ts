// upgrade and downgrade with the release's node not running: one line, exit 1, saying what the command did (0.2.0 unpacked,
// nothing installed), which version daemon boots, and to run the command again once the node runs.
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileReleaseProject } from './support/release-project.ts';
import { ok } from './support/run.ts';
import { replaceOrFail } from './support/wait.ts';

const NAME = 'downnode';
const project = await fileReleaseProject(NAME);
const { dir, rel } = project;

test('upgrade and downgrade with no node running say in one line what was done and to start the node, then run them again', { timeout: 300_000 }, async () => {
  await project.create();
  await ok(project.otp(['release']), 'otp release');
  const pkg = join(dir, 'package.json');
  writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.1.0"', '"version": "0.2.0"'));
  await ok(project.otp(['release', '--tar', '--upgrade-from', '0.1.0']), 'otp release 0.2.0');
  // The built root lists 0.2.0 already: deploy 0.1.0's files with 0.2.0 as a tarball only, as a production root has it.
  const json = join(rel, 'releases', 'RELEASES.json');
  const listed = JSON.parse(readFileSync(json, 'utf8')) as { releases: { vsn: string }[] };
  writeFileSync(json, JSON.stringify({ ...listed, releases: listed.releases.filter((r) => r.vsn === '0.1.0') }, null, 2));
  copyFileSync(join(rel, `${NAME}-0.2.0.tar.gz`), join(rel, 'releases', `${NAME}-0.2.0.tar.gz`));
  rmSync(join(rel, 'releases', '0.2.0'), { recursive: true });
  const up = await project.run(['upgrade', '0.2.0']);
  assert.equal(up.status, 1, up.out);
  assert.equal(up.stderr, `${NAME}: ${NAME}@127.0.0.1 is not running, so 0.2.0 was not installed (it is unpacked here): start the node with bin/${NAME} daemon (it boots the permanent 0.1.0), then run upgrade 0.2.0 again`);
  assert.match(await ok(project.run(['versions']), 'versions'), /0\.1\.0\s+permanent\n0\.2\.0\s+unpacked$/);
  const down = await project.run(['downgrade', '0.2.0']);
  assert.equal(down.status, 1, down.out);
  // 0.2.0 is newer than the permanent 0.1.0: the line names upgrade, the command that installs it, not downgrade again.
  assert.equal(down.stderr, `${NAME}: ${NAME}@127.0.0.1 is not running, so 0.2.0 was not installed: start the node with bin/${NAME} daemon (it boots the permanent 0.1.0), then run upgrade 0.2.0 (0.2.0 is newer than 0.1.0, so it is an upgrade, not a downgrade)`);
  // The permanent version itself: daemon boots it, nothing is left to install.
  const same = await project.run(['downgrade', '0.1.0']);
  assert.equal(same.status, 1, same.out);
  assert.equal(same.stderr, `${NAME}: ${NAME}@127.0.0.1 is not running, and 0.1.0 is the permanent version: start the node with bin/${NAME} daemon, which boots 0.1.0, with nothing to downgrade`);
});
