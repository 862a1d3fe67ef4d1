// End to end through the built binary: a project whose package.json and config files an editor on Windows saved
// with a byte-order mark and CRLF line ends compiles, tests and releases as Node.js and npm read it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');

const windows = (file: string): void => writeFileSync(file, `\uFEFF${readFileSync(file, 'utf8').replace(/\r?\n/g, '\r\n')}`);

test('package.json and sys.config.json with a byte-order mark and CRLF: otp compile, test and release read them', { timeout: 300_000 }, () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'bom-'));
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'winapp', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const dir = join(base, 'winapp');
    writeFileSync(join(dir, 'config', 'sys.config.json'), JSON.stringify({ winapp: { initialCounts: { pears: 2 } } }, null, 2));
    for (const file of ['package.json', 'config/sys.config.json', 'config/node.args']) windows(join(dir, file));
    const compile = spawnSync(process.execPath, [bin, 'compile'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(compile.status, 0, compile.stdout + compile.stderr);
    assert.match(compile.stdout, /compiled winapp 0\.1\.0/);
    const tests = spawnSync(process.execPath, [bin, 'test'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(tests.status, 0, tests.stdout + tests.stderr);
    const release = spawnSync(process.execPath, [bin, 'release'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(release.status, 0, release.stdout + release.stderr);
    const rel = join(dir, '_build', 'prod', 'rel', 'winapp', 'releases', '0.1.0');
    assert.deepEqual(JSON.parse(readFileSync(join(rel, 'sys.config.json'), 'utf8')), { winapp: { initialCounts: { pears: 2 } } });
    assert.match(readFileSync(join(rel, 'node.args'), 'utf8'), /^--name winapp@127\.0\.0\.1\n/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
