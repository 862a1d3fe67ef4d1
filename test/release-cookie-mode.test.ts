// A release's node.args holds the node's cookie: a copy that other users may read (an operator's cp under a loose umask, an
// edit that rewrote the file) is refused at boot, as OTP refuses a cookie file not accessible by its owner only.
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';
import { ok, run } from './support/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const NAME = 'cookiem';
// Registered before the port mapper's own after hook, so the node is stopped while its port mapper still runs.
after(async () => {
  if (existsSync(script)) await scriptRun(['stop']);
  rmSync(base, { recursive: true, force: true });
});
const epmdPort = await privatePortMapper();
const env: NodeJS.ProcessEnv = { ...process.env, OTP_EPMD_PORT: String(epmdPort), NO_COLOR: '1' };
mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
const dir = join(base, NAME);
const rel = join(dir, '_build', 'prod', 'rel', NAME);
const script = join(rel, 'bin', NAME);
const scriptRun = (args: string[]) => run(script, args, rel, env);

test('daemon and foreground refuse (exit 2) a node.args holding the cookie that other users may read, naming the file and chmod 600; nothing starts; once fixed the node boots', { skip: process.platform === 'win32', timeout: 300_000 }, async () => {
  await ok(run(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], base, env), 'otp new');
  await ok(run(process.execPath, [bin, 'release'], dir, env), 'otp release');
  const nodeArgs = join(rel, 'releases', '0.1.0', 'node.args');
  chmodSync(nodeArgs, 0o644);
  for (const command of ['daemon', 'foreground']) {
    const refused = await scriptRun([command]);
    assert.equal(refused.status, 2, `${command}: ${refused.out}`);
    assert.equal(refused.stderr, `${NAME}: releases/0.1.0/node.args holds the node's cookie and other users may read it (mode 644), so anyone on this machine could take over the node; it was not started: chmod 600 ${nodeArgs} (otp release writes it so), then start it again`);
    assert.equal(existsSync(join(rel, 'run', `${NAME}.pid`)), false);
    const ping = await scriptRun(['ping']);
    assert.equal(ping.stdout, 'pang');
    // pang says why, as otp ping does.
    assert.equal(ping.stderr, `${NAME}: ${NAME}@127.0.0.1 is not running: start it with bin/${NAME} daemon`);
  }
  chmodSync(nodeArgs, 0o600);
  assert.match(await ok(scriptRun(['daemon']), 'daemon once node.args is owner-only'), new RegExp(`started ${NAME} 0\\.1\\.0`));
  assert.equal(await ok(scriptRun(['stop']), 'stop'), 'stopped');
});
