// bin/<name> unpack into a release root mounted read-only said 'a folder on its way is missing (ENOENT)' (a recursive
// mkdir's report on a read-only file system) and advised freeing space: it now names the read-only file system and
// its fix. The root is mounted read-only in a user and mount namespace of its own (unshare -rm), where the system has it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const control = fileURLToPath(new URL('../packages/release/dist/control.js', import.meta.url));
const namespaces = spawnSync('unshare', ['-rm', 'true']).status === 0;

test('unpack into a release root mounted read-only fails (exit 1) naming the read-only file system and the fix, and writes nothing', { skip: namespaces ? false : 'unshare -rm (user namespaces) is not available here' }, () => {
  const base = mkdtempSync(join(tmpdir(), 'unpack-ro-'));
  const root = join(base, 'root');
  const tarball = join(base, 'rof-0.2.0.tar.gz');
  try {
    mkdirSync(join(root, 'releases', '0.1.0'), { recursive: true });
    writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'rof', releases: [{ vsn: '0.1.0', status: 'permanent' }] }));
    writeFileSync(join(root, 'releases', '0.1.0', 'node.args'), '--name rof@127.0.0.1\n--setcookie rof\n');
    writeFileSync(tarball, 'not read: the root refuses the staging folder first\n');
    const before = readdirSync(root, { recursive: true }).sort();
    const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount --bind -o ro "$1" "$1" && exec "$2" "$3" unpack "$4"', 'sh', root, process.execPath, control, tarball], { env: { ...process.env, OTP_RELEASE_ROOT: root, NO_COLOR: '1' }, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.doesNotMatch(r.stderr, /ENOENT|free space/);
    assert.match(r.stderr, /^rof: unpacking .*rof-0\.2\.0\.tar\.gz failed: its files could not be written under .*root, the file system is read-only \(EROFS\), and nothing of it stays: mount it writable and run it again$/m);
    assert.deepEqual(readdirSync(root, { recursive: true }).sort(), before);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
