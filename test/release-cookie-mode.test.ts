// A release's node.args holds the node's cookie: a copy that other users may read (an operator's cp under a loose umask, an
// edit that rewrote the file) is refused at boot, as OTP refuses a cookie file not accessible by its owner only.
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileReleaseProject } from './support/release-project.ts';
import { ok } from './support/run.ts';

const NAME = 'cookiem';
const project = await fileReleaseProject(NAME);
const { rel } = project;

test('daemon and foreground refuse (exit 2) a node.args holding the cookie that other users may read, naming the file and chmod 600; nothing starts; once fixed the node boots', { skip: process.platform === 'win32', timeout: 300_000 }, async () => {
  await project.create();
  await ok(project.otp(['release']), 'otp release');
  const nodeArgs = join(rel, 'releases', '0.1.0', 'node.args');
  chmodSync(nodeArgs, 0o644);
  for (const command of ['daemon', 'foreground']) {
    const refused = await project.run([command]);
    assert.equal(refused.status, 2, `${command}: ${refused.out}`);
    assert.equal(refused.stderr, `${NAME}: releases/0.1.0/node.args holds the node's cookie and other users may read it (mode 644), so anyone on this machine could take over the node; it was not started: chmod 600 ${nodeArgs} (otp release writes it so), then start it again`);
    assert.equal(existsSync(join(rel, 'run', `${NAME}.pid`)), false);
    const ping = await project.run(['ping']);
    assert.equal(ping.stdout, 'pang');
    // pang says why, as otp ping does.
    assert.equal(ping.stderr, `${NAME}: ${NAME}@127.0.0.1 is not running: start it with bin/${NAME} daemon`);
  }
  chmodSync(nodeArgs, 0o600);
  assert.match(await ok(project.run(['daemon']), 'daemon once node.args is owner-only'), new RegExp(`started ${NAME} 0\\.1\\.0`));
  assert.equal(await ok(project.run(['stop']), 'stop'), 'stopped');
});
