// End to end through the built binary and a release's start script: settings in config/sys.config.json for an
// application the project lacks (a misspelt name) are refused by otp release and otp shell, and warned of at boot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './support/wait.ts';
import { privatePortMapper } from './support/epmd.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');

/** Boots release 0.1.0 of `app` at `rel` in the foreground, registered with this file's own port mapper (it stops
 * with the file): the node, what it printed by the time it said it started (or ended), and its exit. */
async function bootForeground(rel: string, app: string): Promise<{ node: ChildProcess; out: () => string; exited: Promise<unknown> }> {
  await privatePortMapper();
  let out = '';
  const node = spawn(join(rel, 'bin', app), ['foreground'], { cwd: rel, stdio: ['ignore', 'pipe', 'pipe'] });
  node.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  node.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  let ended = false;
  const exited = new Promise((resolve) => node.on('exit', resolve)).then(() => (ended = true));
  await waitFor('the release to boot (or end)', () => out.includes(`started ${app} 0.1.0`) || ended, { ms: 120_000 });
  return { node, out: () => out, exited };
}

test("a misspelt application in sys.config.json: otp release and otp shell exit 2 naming the one meant; a boot warns of it", { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'sys-apps-'));
  let node: ReturnType<typeof spawn> | undefined;
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'myapp', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const dir = join(base, 'myapp');
    const sys = join(dir, 'config', 'sys.config.json');
    writeFileSync(sys, JSON.stringify({ myap: { initialCounts: { a: 1 } } }));
    const meant = /config\/sys\.config\.json has settings for application 'myap', which the project does not have \(did you mean 'myapp'\?\): rename or remove that key \(the project's applications: myapp\)/;
    const release = spawnSync(process.execPath, [bin, 'release'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(release.status, 2, release.stdout + release.stderr);
    assert.match(release.stderr, meant);
    assert.equal(existsSync(join(dir, '_build', 'prod', 'rel')), false, 'no release is written');
    const shell = spawnSync(process.execPath, [bin, 'shell'], { cwd: dir, encoding: 'utf8', input: 'q()\n', timeout: 120_000 });
    assert.equal(shell.status, 2, shell.stdout + shell.stderr);
    assert.match(shell.stderr, meant);

    // A release built right, whose sys.config.json an operator then edits with the typo: the boot says so.
    writeFileSync(sys, JSON.stringify({ myapp: { initialCounts: { a: 1 } } }));
    const built = spawnSync(process.execPath, [bin, 'release'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(built.status, 0, built.stdout + built.stderr);
    const rel = join(dir, '_build', 'prod', 'rel', 'myapp');
    writeFileSync(join(rel, 'releases', '0.1.0', 'sys.config.json'), JSON.stringify({ myap: { initialCounts: { a: 1 } } }));
    const boot = await bootForeground(rel, 'myapp');
    node = boot.node;
    const out = boot.out();
    const exited = boot.exited;
    assert.match(out, /started myapp 0\.1\.0/);
    assert.match(out, /warning: releases\/0\.1\.0\/sys\.config\.json has settings for application 'myap', which this release does not run \(did you mean 'myapp'\?\)/);
    node.kill('SIGTERM');
    await exited;
    node = undefined;
  } finally {
    node?.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  }
});

test('a setting of another kind than its application\'s env default (a number for an object): otp release warns in one line naming the key, the application and the file, and builds; matching kinds and ${VAR} strings are not warned of; a boot warns of an operator\'s edit', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'sys-kind-'));
  let node: ReturnType<typeof spawn> | undefined;
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'kinds', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const dir = join(base, 'kinds');
    const sys = join(dir, 'config', 'sys.config.json');
    writeFileSync(sys, JSON.stringify({ kinds: { initialCounts: 5 } }));
    const release = spawnSync(process.execPath, [bin, 'release'], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(release.status, 0, release.stdout + release.stderr);
    assert.deepEqual(release.stderr.split('\n').filter((l) => l.includes('warning')), [
      `otp: warning: config/sys.config.json sets kinds's initialCounts to a number (5), but kinds's default for it (the env of its package.json "otp" field) is an object, which the application is likely to expect: give it an object in config/sys.config.json, or change the default if the application takes both`,
    ]);
    for (const fine of [{ initialCounts: { a: 1 } }, { initialCounts: '${COUNTS:-x}' }, { other: 5 }]) {
      writeFileSync(sys, JSON.stringify({ kinds: fine }));
      const again = spawnSync(process.execPath, [bin, 'release'], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
      assert.equal(again.status, 0, again.stdout + again.stderr);
      assert.doesNotMatch(again.stderr, /warning/, JSON.stringify(fine));
    }

    // An operator's edit of the built release: the boot warns of it in one line, and boots on.
    const rel = join(dir, '_build', 'prod', 'rel', 'kinds');
    writeFileSync(join(rel, 'releases', '0.1.0', 'sys.config.json'), JSON.stringify({ kinds: { initialCounts: [1] } }));
    const boot = await bootForeground(rel, 'kinds');
    node = boot.node;
    const out = boot.out();
    const exited = boot.exited;
    assert.match(out, /started kinds 0\.1\.0/);
    assert.ok(out.includes(`warning: releases/0.1.0/sys.config.json sets kinds's initialCounts to an array ([1]), but kinds's default for it (the env of its package.json "otp" field) is an object`), out);
    node.kill('SIGTERM');
    await exited;
    node = undefined;
  } finally {
    node?.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  }
});
