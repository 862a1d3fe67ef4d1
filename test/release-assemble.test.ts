// End to end through the built binary: `otp new app` → `otp release --tar` lays out the release root
// of SPEC §6 and its tarball; a changed server released as 0.2.0 `--upgrade-from 0.1.0` joins the
// root with a relup naming the server as a gen_server. Like generated-app.test.ts, the project is
// generated inside the repository's _build/ so it resolves the workspace's packages as installed ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { t as list } from 'tar';
import { replaceOrFail } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

test('otp release: the release root and tarball of a generated app, then 0.2.0 with a relup from 0.1.0', { timeout: 120_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'rel-'));
  const otp = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: join(base, 'depot'), encoding: 'utf8', timeout: 60_000 });
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'depot', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const dir = join(base, 'depot');
    const rel = join(dir, '_build', 'prod', 'rel', 'depot');

    const first = otp('release', '--tar');
    assert.equal(first.status, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /compiled depot 0\.1\.0/);
    assert.match(first.stdout, /copying node_modules/);
    assert.match(first.stdout.trim().split('\n').pop()!, /^release depot 0\.1\.0 \(permanent\) in _build\/prod\/rel\/depot: [\d.]+ [KM]B, [\d.]+ s$/);
    for (const p of ['bin/depot.mjs', 'releases/0.1.0/sys.config.json', 'lib/depot-0.1.0/app.json', 'lib/depot-0.1.0/src/depot_server.js', 'node_modules/@otp-ts/runtime/package.json']) assert.ok(existsSync(join(rel, p)), p);
    assert.equal(statSync(join(rel, 'bin', 'depot')).mode & 0o777, 0o755);
    assert.match(readFileSync(join(rel, 'releases', '0.1.0', 'node.args'), 'utf8'), /--name depot@127\.0\.0\.1\n[\s\S]*--setcookie [0-9a-f]{32}\n/);
    const release = json(join(rel, 'releases', '0.1.0', 'release.json'));
    assert.deepEqual([release.name, release.vsn, release.applications], ['depot', '0.1.0', [{ name: 'depot', vsn: '0.1.0' }]]);
    assert.deepEqual(json(join(rel, 'releases', 'RELEASES.json')), { name: 'depot', releases: [{ vsn: '0.1.0', status: 'permanent', applications: [{ name: 'depot', vsn: '0.1.0' }] }] });
    const entries: string[] = [];
    await list({ file: join(rel, 'depot-0.1.0.tar.gz'), onReadEntry: (e) => void entries.push(e.path) });
    assert.ok(['bin/depot', 'releases/0.1.0/release.json', 'releases/RELEASES.json', 'lib/depot-0.1.0/app.json'].every((e) => entries.includes(e)), entries.join(' '));

    // 0.2.0: the server answers `count` differently; the supervisor and the application module are untouched.
    const pkg = join(dir, 'package.json');
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.1.0"', '"version": "0.2.0"'));
    const server = join(dir, 'src', 'depot_server.ts');
    writeFileSync(server, replaceOrFail(readFileSync(server, 'utf8'), 'return reply(state.counts[request.key] ?? 0, state);', 'return reply(Math.max(0, state.counts[request.key] ?? 0), state);'));
    const second = otp('release', '--upgrade-from', '0.1.0');
    assert.equal(second.status, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /relup from 0\.1\.0: depot 0\.1\.0 → 0\.2\.0: 0 added, 1 changed, 0 removed; codeChange for depot\/depot_server \(gen_server\)/);
    assert.match(second.stdout.trim().split('\n').pop()!, /^release depot 0\.2\.0 \(unpacked\) in _build\/prod\/rel\/depot/);
    // 0.2.0 is only unpacked: a warning (on stderr, kept by --quiet) says daemon boots 0.1.0 and how to run 0.2.0.
    const unpackedWarning = 'otp: warning: 0.2.0 is unpacked in this release root, so bin/depot daemon boots the permanent 0.1.0, not this build: to run 0.2.0, install it on the running node (bin/depot upgrade 0.2.0, or downgrade 0.2.0 when it is the older one), or boot it by name (bin/depot foreground --vsn 0.2.0)\n';
    assert.equal(second.stderr, unpackedWarning);
    const quietly = otp('release', '--upgrade-from', '0.1.0', '--quiet');
    assert.deepEqual([quietly.status, quietly.stdout, quietly.stderr], [0, '', unpackedWarning]);
    const relup = json(join(rel, 'releases', '0.2.0', 'relup.json'));
    assert.deepEqual(relup.up, [{ vsn: '0.1.0', apps: [{ kind: 'change', app: 'depot', from: '0.1.0', to: '0.2.0', added: [], removed: [], changed: [{ module: 'depot/depot_server', behaviour: 'gen_server' }] }] }]);
    assert.deepEqual(json(join(rel, 'releases', 'RELEASES.json')).releases.map((r: { vsn: string; status: string }) => `${r.vsn} ${r.status}`), ['0.1.0 permanent', '0.2.0 unpacked']);
    assert.ok(existsSync(join(rel, 'lib', 'depot-0.1.0')), 'the earlier version stays');

    const missing = otp('release', '--upgrade-from', '0.0.7');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^otp: release depot has no version 0\.0\.7 in .* \(it has 0\.1\.0, 0\.2\.0\): build that version first, or give the path of its tarball\n/);
    // A version typed as v0.1.0 (as tags are): the line names the one meant, as the start script's upgrade does.
    const tagged = otp('release', '--upgrade-from', 'v0.1.0');
    assert.equal(tagged.status, 2);
    assert.match(tagged.stderr, /^otp: release depot has no version v0\.1\.0 in .*: did you mean 0\.1\.0\? otp release --upgrade-from 0\.1\.0\n/);

    // 0.2.0 installed (an upgrade leaves 0.1.0 old), then 0.1.0 rebuilt from its own sources: daemon would boot 0.2.0,
    // and otp release says so in one line before its summary, with the ways to run 0.1.0.
    const releasesFile = join(rel, 'releases', 'RELEASES.json');
    const listed = json(releasesFile);
    writeFileSync(releasesFile, JSON.stringify({ ...listed, releases: listed.releases.map((r: { vsn: string }) => ({ ...r, status: r.vsn === '0.2.0' ? 'permanent' : 'old' })) }, null, 2));
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.2.0"', '"version": "0.1.0"'));
    writeFileSync(server, replaceOrFail(readFileSync(server, 'utf8'), 'return reply(Math.max(0, state.counts[request.key] ?? 0), state);', 'return reply(state.counts[request.key] ?? 0, state);'));
    const rebuilt = otp('release', '--quiet');
    assert.deepEqual([rebuilt.status, rebuilt.stdout], [0, ''], rebuilt.stderr);
    assert.equal(rebuilt.stderr, 'otp: warning: 0.1.0 is old in this release root, so bin/depot daemon boots the permanent 0.2.0, not this build: to run 0.1.0, go back to it on the running node (bin/depot downgrade 0.1.0, or upgrade 0.1.0 when it is the newer one), or boot it by name (bin/depot foreground --vsn 0.1.0)\n');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
