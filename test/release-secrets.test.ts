// End to end through the built binary: the cookie a release generates is 128 random bits, and every file
// holding it (node.args, the tarball, node.args inside the tarball) is readable by its owner only; its
// start script's eval and remote are bounded on the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { t as list } from 'tar';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');

test('otp release writes a 128-bit cookie into node.args with mode 0600, the tarball holding it is 0600 too, and bin/<name> eval and remote are bounded', { timeout: 120_000 }, async () => {
  const { base, dir, rel, script } = releaseProject('vault', { prefix: 'secrets-' });
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'vault', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const built = spawnSync(process.execPath, [bin, 'release', '--tar'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(built.status, 0, built.stdout + built.stderr);
    const nodeArgs = join(rel, 'releases', '0.1.0', 'node.args');
    assert.match(readFileSync(nodeArgs, 'utf8'), /^--setcookie [0-9a-f]{32}$/m);
    assert.equal((statSync(nodeArgs).mode & 0o777).toString(8), '600', 'node.args: owner only');
    const tarball = join(rel, 'vault-0.1.0.tar.gz');
    assert.equal((statSync(tarball).mode & 0o777).toString(8), '600', 'the tarball: owner only');
    const modes = new Map<string, number>();
    await list({ file: tarball, onReadEntry: (e) => void modes.set(e.path, e.mode ?? 0) });
    assert.equal(((modes.get('releases/0.1.0/node.args') ?? 0) & 0o777).toString(8), '600', 'node.args inside the tarball');

    // The start script's eval and remote are bounded on the node, which keeps answering afterwards.
    const run = (args: string[], input = '') => spawnSync(script, args, { cwd: rel, encoding: 'utf8', input, timeout: 60_000 });
    assert.equal(run(['daemon']).status, 0);
    try {
      const runaway = run(['eval', 'const t = Date.now(); while (Date.now() - t < 10000) {}']);
      assert.equal(runaway.status, 1);
      assert.match(runaway.stderr, /evaluation stopped after 1000 ms of synchronous work/, runaway.stdout + runaway.stderr);
      const flagged = run(['eval', '--eval-timeout', '300', 'for (;;) {}']);
      assert.match(flagged.stderr, /evaluation stopped after 300 ms/, flagged.stdout + flagged.stderr);
      const bad = run(['eval', '--eval-timeout', 'soon', '1']);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--eval-timeout soon is not a whole number of milliseconds/);
      const repl = run(['remote', '--eval-timeout', '200'], 'for (;;) {}\n6 * 7\n');
      assert.match(repl.stdout, /\*\* evaluation stopped after 200 ms/, repl.stdout + repl.stderr);
      assert.match(repl.stdout, /42/);
      assert.equal(run(['ping']).stdout.trim(), 'pong');
    } finally {
      run(['stop']);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
