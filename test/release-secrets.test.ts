// End to end through the built binary: the cookie a release generates is 128 random bits, and every file
// holding it (node.args, the tarball, node.args inside the tarball) is readable by its owner only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { t as list } from 'tar';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');

test('otp release writes a 128-bit cookie into node.args with mode 0600, and the tarball holding it is 0600 too', { timeout: 120_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'secrets-'));
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'vault', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const dir = join(base, 'vault');
    const built = spawnSync(process.execPath, [bin, 'release', '--tar'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(built.status, 0, built.stdout + built.stderr);
    const rel = join(dir, '_build', 'prod', 'rel', 'vault');
    const nodeArgs = join(rel, 'releases', '0.1.0', 'node.args');
    assert.match(readFileSync(nodeArgs, 'utf8'), /^--setcookie [0-9a-f]{32}$/m);
    assert.equal((statSync(nodeArgs).mode & 0o777).toString(8), '600', 'node.args: owner only');
    const tarball = join(rel, 'vault-0.1.0.tar.gz');
    assert.equal((statSync(tarball).mode & 0o777).toString(8), '600', 'the tarball: owner only');
    const modes = new Map<string, number>();
    await list({ file: tarball, onReadEntry: (e) => void modes.set(e.path, e.mode ?? 0) });
    assert.equal(((modes.get('releases/0.1.0/node.args') ?? 0) & 0o777).toString(8), '600', 'node.args inside the tarball');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
