// End to end through the built binary: `otp release` runs compile first, and both read otp.config.ts;
// the config is bundled and imported once for the whole provider chain (rebar3's state), not once per command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');

test('otp release loads otp.config.ts once for compile and release', { timeout: 180_000 }, () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'cfg-once-'));
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'cfgonce', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const dir = join(base, 'cfgonce');
    const loads = join(dir, 'loads.txt');
    // Every import of the config appends a line: the count of lines is the count of loads.
    writeFileSync(
      join(dir, 'otp.config.ts'),
      `import { appendFileSync } from 'node:fs';\nimport { defineConfig } from '@otp-ts/cli';\nappendFileSync(${JSON.stringify(loads)}, 'loaded\\n');\nexport default defineConfig({ releases: { cfgonce: { applications: ['cfgonce'] } }, profiles: { prod: { build: { minify: false } } } });\n`,
    );
    const r = spawnSync(process.execPath, [bin, 'release'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /compiled cfgonce 0\.1\.0/);
    assert.ok(existsSync(join(dir, '_build', 'prod', 'rel', 'cfgonce', 'bin', 'cfgonce')));
    assert.equal(readFileSync(loads, 'utf8'), 'loaded\n', 'otp.config.ts was imported once');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("otp release reads what otp compile wrote under otp.config.ts's build.outDir, and writes the release there", { timeout: 180_000 }, () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'cfg-outdir-'));
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'outdir', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const dir = join(base, 'outdir');
    writeFileSync(join(dir, 'otp.config.ts'), "import { defineConfig } from '@otp-ts/cli';\nexport default defineConfig({ build: { outDir: 'out' } });\n");
    const r = spawnSync(process.execPath, [bin, 'release'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout.trim().split('\n').pop()!, /^release outdir 0\.1\.0 \(permanent\) in out\/prod\/rel\/outdir: /);
    assert.ok(existsSync(join(dir, 'out', 'prod', 'rel', 'outdir', 'lib', 'outdir-0.1.0', 'app.json')));
    assert.equal(existsSync(join(dir, '_build')), false, 'nothing is written to the default _build');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('otp release --profile takes a profile otp.config.ts declares; an unknown one exits 2 naming the known ones', { timeout: 180_000 }, () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'cfg-profile-'));
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'staged', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const dir = join(base, 'staged');
    writeFileSync(join(dir, 'otp.config.ts'), "import { defineConfig } from '@otp-ts/cli';\nexport default defineConfig({ profiles: { staging: { env: { staged: { port: 9090 } } } } });\n");
    const r = spawnSync(process.execPath, [bin, 'release', '--profile', 'staging'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout.trim().split('\n').pop()!, /^release staged 0\.1\.0 \(permanent\) in _build\/staging\/rel\/staged: /);
    assert.match(readFileSync(join(dir, '_build', 'staging', 'rel', 'staged', 'releases', '0.1.0', 'sys.config.json'), 'utf8'), /"port": ?9090/, "the staging profile's env");

    const typo = spawnSync(process.execPath, [bin, 'release', '--profile', 'stagin'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(typo.status, 2, typo.stdout + typo.stderr);
    assert.match(typo.stderr, /unknown profile 'stagin' \(did you mean 'staging'\?\): use dev, test, prod, staging/);
    assert.equal(existsSync(join(dir, '_build', 'stagin')), false, 'nothing is built for an unknown profile');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
