// End to end through the built binary and a release's start script: settings in config/sys.config.json for an
// application the project lacks (a misspelt name) are refused by otp release and otp shell, and warned of at boot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './support/wait.ts';
import { privatePortMapper } from './support/epmd.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');

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
    // The node registers with this file's own port mapper, which stops with the file.
    await privatePortMapper();
    let out = '';
    node = spawn(join(rel, 'bin', 'myapp'), ['foreground'], { cwd: rel, stdio: ['ignore', 'pipe', 'pipe'] });
    node.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    node.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    let ended = false;
    const exited = new Promise((resolve) => node!.on('exit', resolve)).then(() => (ended = true));
    await waitFor('the release to boot (or end)', () => /started myapp 0\.1\.0/.test(out) || ended, { ms: 120_000 });
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
