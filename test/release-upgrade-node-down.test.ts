// upgrade and downgrade with the release's node not running: one line, exit 1, saying what the command did (0.2.0 unpacked,
// nothing installed), which version daemon boots, and to run the command again once the node runs.
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';
import { ok, run } from './support/run.ts';
import { replaceOrFail } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const NAME = 'downnode';
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

test('upgrade and downgrade with no node running say in one line what was done and to start the node, then run them again', { timeout: 300_000 }, async () => {
  await ok(run(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], base, env), 'otp new');
  await ok(run(process.execPath, [bin, 'release'], dir, env), 'otp release');
  const pkg = join(dir, 'package.json');
  writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.1.0"', '"version": "0.2.0"'));
  await ok(run(process.execPath, [bin, 'release', '--tar', '--upgrade-from', '0.1.0'], dir, env), 'otp release 0.2.0');
  // The built root lists 0.2.0 already: deploy 0.1.0's files with 0.2.0 as a tarball only, as a production root has it.
  const json = join(rel, 'releases', 'RELEASES.json');
  const listed = JSON.parse(readFileSync(json, 'utf8')) as { releases: { vsn: string }[] };
  writeFileSync(json, JSON.stringify({ ...listed, releases: listed.releases.filter((r) => r.vsn === '0.1.0') }, null, 2));
  copyFileSync(join(rel, `${NAME}-0.2.0.tar.gz`), join(rel, 'releases', `${NAME}-0.2.0.tar.gz`));
  rmSync(join(rel, 'releases', '0.2.0'), { recursive: true });
  const up = await scriptRun(['upgrade', '0.2.0']);
  assert.equal(up.status, 1, up.out);
  assert.equal(up.stderr, `${NAME}: ${NAME}@127.0.0.1 is not running, so 0.2.0 was not installed (it is unpacked here): start the node with bin/${NAME} daemon (it boots the permanent 0.1.0), then run upgrade 0.2.0 again`);
  assert.match(await ok(scriptRun(['versions']), 'versions'), /0\.1\.0\s+permanent\n0\.2\.0\s+unpacked$/);
  const down = await scriptRun(['downgrade', '0.2.0']);
  assert.equal(down.status, 1, down.out);
  assert.equal(down.stderr, `${NAME}: ${NAME}@127.0.0.1 is not running, so 0.2.0 was not installed: start the node with bin/${NAME} daemon (it boots the permanent 0.1.0), then run downgrade 0.2.0 again`);
});
