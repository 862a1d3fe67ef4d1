// unpack on a release root written by hand, with tarballs made here: what an unpack interrupted half way (its
// process killed between its moves) leaves, and what the next unpack of the same version does with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { create } from 'tar';
import { Moves, undoMoves, unpack } from '../../src/control/unpack.ts';

// Writes version `vsn` of release `fx` (one application, one module marked `label`) under `dir`.
function writeVersion(dir: string, vsn: string, label: string): void {
  mkdirSync(join(dir, 'lib', `fx-${vsn}`, 'src'), { recursive: true });
  writeFileSync(join(dir, 'lib', `fx-${vsn}`, 'src', 'srv.js'), `exports.label = ${JSON.stringify(label)};\n`);
  writeFileSync(join(dir, 'lib', `fx-${vsn}`, 'app.json'), JSON.stringify({ name: 'fx', vsn, applications: [], registered: [], env: {}, modules: { 'fx/srv': 'src/srv.js' } }));
  mkdirSync(join(dir, 'releases', vsn), { recursive: true });
  writeFileSync(join(dir, 'releases', vsn, 'release.json'), JSON.stringify({ name: 'fx', vsn, node: process.versions.node, runtime: '0', applications: [{ name: 'fx', vsn }] }));
}

// A release root running 0.1.0, with the tarball of 0.2.0 (marked `label`) in its releases/.
async function rootWithTarball(label: string): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'otp-unpack-'));
  writeVersion(root, '0.1.0', '0.1.0');
  writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'fx', releases: [{ vsn: '0.1.0', status: 'permanent', applications: [{ name: 'fx', vsn: '0.1.0' }] }] }));
  const build = mkdtempSync(join(tmpdir(), 'otp-unpack-build-'));
  writeVersion(build, '0.2.0', label);
  await create({ file: join(root, 'releases', 'fx-0.2.0.tar.gz'), cwd: build, gzip: true, portable: true }, ['lib', 'releases']);
  rmSync(build, { recursive: true, force: true });
  return root;
}

const listed = (root: string): string[] => (JSON.parse(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8')) as { releases: Array<{ vsn: string; status: string }> }).releases.map((r) => `${r.vsn} ${r.status}`);

test('a tarball of another release is refused naming both releases and the fix, and nothing is unpacked', async () => {
  const root = await rootWithTarball('0.2.0');
  try {
    const file = join(root, 'releases', 'RELEASES.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"name":"fx"', '"name":"shop"'));
    const tarball = join(root, 'releases', 'fx-0.2.0.tar.gz');
    await assert.rejects(unpack(root, tarball), /fx-0\.2\.0\.tar\.gz is a release of fx, not shop, so nothing was unpacked: give a tarball of shop \(otp release --tar in shop's project\), or unpack this one with the start script of a release root of fx \(bin\/fx\)$/);
    assert.deepEqual(listed(root), ['0.1.0 permanent']);
    assert.deepEqual(readdirSync(root).sort(), ['lib', 'releases']);
    assert.deepEqual(readdirSync(join(root, 'lib')), ['fx-0.1.0']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an unpack killed after it moved the version in but before RELEASES.json listed it is completed by the next unpack of that version', async () => {
  const root = await rootWithTarball('0.2.0');
  try {
    assert.equal(await unpack(root, '0.2.0'), '0.2.0');
    assert.deepEqual(listed(root), ['0.1.0 permanent', '0.2.0 unpacked']);
    // What a kill between the moves and the RELEASES.json write leaves: the version's folders, unlisted.
    writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'fx', releases: [{ vsn: '0.1.0', status: 'permanent', applications: [{ name: 'fx', vsn: '0.1.0' }] }] }));
    assert.equal(await unpack(root, '0.2.0'), '0.2.0');
    assert.deepEqual(listed(root), ['0.1.0 permanent', '0.2.0 unpacked']);
    assert.match(readFileSync(join(root, 'lib', 'fx-0.2.0', 'src', 'srv.js'), 'utf8'), /"0\.2\.0"/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an unpack of another build of the version, killed after it moved a lib folder in, leaves nothing the next unpack keeps: the tarball\'s files are installed', async () => {
  const root = await rootWithTarball('0.2.0');
  try {
    // What a kill right after the first move of an earlier build's unpack leaves: its lib folder alone.
    writeVersion(join(root, 'stale'), '0.2.0', 'stale build');
    renameSync(join(root, 'stale', 'lib', 'fx-0.2.0'), join(root, 'lib', 'fx-0.2.0'));
    assert.equal(await unpack(root, '0.2.0'), '0.2.0');
    assert.deepEqual(listed(root), ['0.1.0 permanent', '0.2.0 unpacked']);
    assert.match(readFileSync(join(root, 'lib', 'fx-0.2.0', 'src', 'srv.js'), 'utf8'), /"0\.2\.0"/, "the tarball's module, not the stale one");
    assert.match(readFileSync(join(root, 'releases', '0.2.0', 'release.json'), 'utf8'), /"vsn":"0\.2\.0"/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// Waits for `condition`, polling, until `deadlineMs` has passed.
async function until(condition: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('an unpack waits for the lock another unpack or install holds on RELEASES.json, then adds its version to what that one wrote', async () => {
  const root = await rootWithTarball('0.2.0');
  const file = join(root, 'releases', 'RELEASES.json');
  const lock = join(root, 'releases', 'RELEASES.json.lock');
  try {
    // Another command (this very process, alive) holds the lock and has read RELEASES.json.
    writeFileSync(lock, `${process.pid}\n`);
    const readByTheOther = JSON.parse(readFileSync(file, 'utf8')) as { releases: unknown[] };
    let settled = false;
    const unpacking = unpack(root, '0.2.0').finally(() => (settled = true));
    // The unpack has extracted and checked the tarball (its staging folder holds unpacked.json) and waits, or is done.
    const staged = () => readdirSync(root).some((e) => e.startsWith('.unpack') && existsSync(join(root, e, 'releases', '0.2.0', 'unpacked.json')));
    await until(() => settled || staged(), 'the unpack to reach the lock');
    // The other command writes what it read plus its change, and lets go.
    readByTheOther.releases.push({ vsn: '0.3.0', status: 'unpacked', applications: [{ name: 'fx', vsn: '0.3.0' }] });
    writeFileSync(file, JSON.stringify(readByTheOther));
    rmSync(lock);
    assert.equal(await unpacking, '0.2.0');
    assert.deepEqual(listed(root), ['0.1.0 permanent', '0.3.0 unpacked', '0.2.0 unpacked'], "neither command's entry is lost");
    assert.equal(existsSync(lock), false, 'the unpack let go of the lock');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a lock left by a process that died (killed mid-unpack) does not stop the next unpack', async () => {
  const root = await rootWithTarball('0.2.0');
  try {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(root, 'releases', 'RELEASES.json.lock'), `${dead.stdout}\n`);
    assert.equal(await unpack(root, '0.2.0'), '0.2.0');
    assert.deepEqual(listed(root), ['0.1.0 permanent', '0.2.0 unpacked']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('another build of a version installed from a tarball is refused, by path or by its version, rather than ignored; the same build is no news', async () => {
  const root = await rootWithTarball('0.2.0');
  const build = mkdtempSync(join(tmpdir(), 'otp-unpack-build-'));
  try {
    assert.equal(await unpack(root, '0.2.0'), '0.2.0');
    // 0.2.0 was installed, then the node went back to 0.1.0: 0.2.0 is old.
    writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'fx', releases: [{ vsn: '0.1.0', status: 'permanent', applications: [{ name: 'fx', vsn: '0.1.0' }] }, { vsn: '0.2.0', status: 'old', applications: [{ name: 'fx', vsn: '0.2.0' }] }] }));
    assert.equal(await unpack(root, join(root, 'releases', 'fx-0.2.0.tar.gz')), '0.2.0', 'the same build, by path');
    writeVersion(build, '0.2.0', 'fixed build');
    const other = join(build, 'fx-0.2.0.tar.gz');
    await create({ file: other, cwd: build, gzip: true, portable: true }, ['lib', 'releases']);
    const refusal = /fx-0\.2\.0\.tar\.gz is another build of 0\.2\.0, which is installed here \(old\) from fx-0\.2\.0\.tar\.gz: an installed version does not change; give the new build another version/;
    await assert.rejects(unpack(root, other), refusal);
    writeFileSync(join(root, 'releases', 'fx-0.2.0.tar.gz'), readFileSync(other));
    await assert.rejects(unpack(root, '0.2.0'), refusal);
    assert.match(readFileSync(join(root, 'lib', 'fx-0.2.0', 'src', 'srv.js'), 'utf8'), /"0\.2\.0"/, 'the installed build stays');
    assert.deepEqual(listed(root), ['0.1.0 permanent', '0.2.0 old']);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(build, { recursive: true, force: true });
  }
});

// Runs the start script's program (from its sources) on `root`: its exit code, stderr and stdout.
function script(root: string, ...args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return scriptLimited(root, undefined, ...args);
}

// `script`, under `ulimit -f fileLimitKb` when given: no file it writes may grow past it (a full disk's EFBIG, for any user).
function scriptLimited(root: string, fileLimitKb: number | undefined, ...args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const repo = join(import.meta.dirname, '..', '..', '..', '..');
  const argv = [process.execPath, '--import', join(repo, 'scripts', 'register-ts.mjs'), join(repo, 'packages', 'release', 'src', 'control', 'main.ts'), ...args];
  const [file, rest] = fileLimitKb === undefined ? [argv[0]!, argv.slice(1)] : ['sh', ['-c', `ulimit -f ${fileLimitKb}; exec "$@"`, 'sh', ...argv]];
  const child = spawn(file, rest, { env: { ...process.env, OTP_RELEASE_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, stdout })));
}

test("an unpack that fails part way on the root's file system (a file where lib/ goes, a folder where RELEASES.json's temporary file goes) exits 1, not 2, and leaves nothing of the version", async () => {
  const root = await rootWithTarball('0.2.0');
  try {
    const releasesBefore = readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8');
    const untouched = () => {
      assert.equal(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8'), releasesBefore, 'RELEASES.json unchanged');
      assert.equal(existsSync(join(root, 'releases', '0.2.0')), false, 'no releases/0.2.0');
      assert.deepEqual(readdirSync(root).filter((e) => e.startsWith('.unpack')), [], 'no staging folder');
    };
    renameSync(join(root, 'lib'), join(root, 'lib.real'));
    writeFileSync(join(root, 'lib'), 'not a folder');
    const blocked = await script(root, 'unpack', '0.2.0');
    assert.equal(blocked.code, 1, blocked.stderr);
    assert.match(blocked.stderr, /^fx: unpacking .*fx-0\.2\.0\.tar\.gz failed and was undone, so nothing under .* was changed: lib\/fx-0\.2\.0 could not be moved into place: a file stands where a folder goes \(ENOTDIR\): fix that and run it again\n$/);
    assert.doesNotMatch(blocked.stderr, /not a directory|rename '|\.unpack-/, 'no raw system text');
    untouched();
    rmSync(join(root, 'lib'));
    renameSync(join(root, 'lib.real'), join(root, 'lib'));
    mkdirSync(join(root, 'releases', 'RELEASES.json.tmp'));
    const full = await script(root, 'unpack', '0.2.0');
    assert.equal(full.code, 1, full.stderr);
    assert.match(full.stderr, /^fx: unpacking .*fx-0\.2\.0\.tar\.gz failed and was undone, so nothing under .* was changed: releases\/RELEASES\.json\.tmp could not be written: a folder stands where a file goes \(EISDIR\): fix that and run it again\n$/);
    assert.doesNotMatch(full.stderr, /illegal operation|open '/, 'no raw system text');
    untouched();
    assert.equal(existsSync(join(root, 'lib', 'fx-0.2.0')), false, 'the lib folder it moved in was taken back');
    assert.equal((await script(root, 'unpack', '0.9.0')).code, 2, 'a version that is not there is still bad input');
    rmSync(join(root, 'releases', 'RELEASES.json.tmp'), { recursive: true });
    const fixed = await script(root, 'unpack', '0.2.0');
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.deepEqual(listed(root), ['0.1.0 permanent', '0.2.0 unpacked']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a version typed with a leading v or spaces (v0.2.0, ' 0.2.0') is refused naming the version and the command meant, before anything is unpacked or installed", async () => {
  const root = await rootWithTarball('0.2.0');
  try {
    for (const [verb, typed, bare] of [['unpack', 'v0.2.0', '0.2.0'], ['upgrade', ' 0.2.0', '0.2.0'], ['downgrade', 'v0.1.0 ', '0.1.0']] as const) {
      const r = await script(root, verb, typed);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `fx: ${JSON.stringify(typed)} is not a version of fx: did you mean ${bare}? Run bin/fx ${verb} ${bare}\n`);
    }
    assert.equal(existsSync(join(root, 'releases', '0.2.0')), false, 'nothing was unpacked');
    assert.deepEqual(listed(root), ['0.1.0 permanent']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an unpack whose files the file system cannot take (a full disk: EFBIG under a file size limit) exits 1 saying so, not that the tarball is unreadable, and leaves nothing', async () => {
  const root = await rootWithTarball('0.2.0');
  const build = mkdtempSync(join(tmpdir(), 'otp-unpack-build-'));
  try {
    writeVersion(build, '0.2.0', '0.2.0');
    mkdirSync(join(build, 'lib', 'fx-0.2.0', 'priv'));
    writeFileSync(join(build, 'lib', 'fx-0.2.0', 'priv', 'data.bin'), Buffer.alloc(512 * 1024, 7));
    const big = join(build, 'fx-0.2.0.tar.gz');
    await create({ file: big, cwd: build, gzip: true, portable: true }, ['lib', 'releases']);
    const releasesBefore = readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8');
    const full = await scriptLimited(root, 256, 'unpack', big);
    assert.equal(full.code, 1, full.stderr);
    assert.match(full.stderr, /^fx: unpacking .*fx-0\.2\.0\.tar\.gz failed: its files could not be written under .*, a file grew past the size limit \(EFBIG\), and nothing of it stays: free space \(or fix the folder's permissions\) and run it again\n$/);
    assert.equal(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8'), releasesBefore);
    assert.deepEqual(readdirSync(root).sort(), ['lib', 'releases']);
    assert.equal(existsSync(join(root, 'lib', 'fx-0.2.0')), false);
    const room = await script(root, 'unpack', big);
    assert.equal(room.code, 0, room.stderr);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(build, { recursive: true, force: true });
  }
});

test('an unpack whose undoing fails too does not say it was undone: it names what was left where, and where it belongs', () => {
  const base = mkdtempSync(join(tmpdir(), 'otp-unpack-undo-'));
  try {
    const staged = join(base, 'staging', 'lib', 'fx-0.2.0');
    const root = join(base, 'root', 'lib');
    mkdirSync(staged, { recursive: true });
    const moves = new Moves();
    moves.mergeMissing(join(base, 'staging', 'lib'), root, 0);
    // What takes the move back fails: a file now stands where the folder came from.
    writeFileSync(staged, 'in the way');
    const failed = undoMoves(moves, 'fx-0.2.0.tar.gz', new Error('EISDIR: RELEASES.json.tmp'));
    assert.doesNotMatch(failed.message, /undone:/);
    assert.equal(failed.message, `unpacking fx-0.2.0.tar.gz failed (EISDIR: RELEASES.json.tmp) and undoing it failed too, which left ${join(root, 'fx-0.2.0')} (it belongs at ${staged}): ENOTDIR; ${root} (a folder the unpack made): ENOTEMPTY: move each back where it belongs (or remove a folder the unpack made), fix what stopped it, and run it again`);
    assert.ok(existsSync(join(root, 'fx-0.2.0')), 'what it names is where it says');
    const clean = new Moves();
    const noSpace = Object.assign(new Error("ENOSPC: no space left on device, open '/r/releases/RELEASES.json.tmp'"), { code: 'ENOSPC', syscall: 'open', path: '/r/releases/RELEASES.json.tmp' });
    assert.equal(undoMoves(clean, 'fx-0.2.0.tar.gz', noSpace, '/r').message, 'unpacking fx-0.2.0.tar.gz failed and was undone, so nothing under /r was changed: releases/RELEASES.json.tmp could not be written: the disk is full (ENOSPC): fix that and run it again');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("a file (not a folder) where the version's lib/<app>-<vsn> or releases/<vsn> goes is refused, naming it and the fix, and nothing is moved or deleted", async () => {
  const root = await rootWithTarball('0.2.0');
  try {
    const releasesBefore = readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8');
    for (const place of [join('lib', 'fx-0.2.0'), join('releases', '0.2.0')]) {
      writeFileSync(join(root, place), 'an operator\'s notes');
      const r = await script(root, 'unpack', '0.2.0');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^fx: unpacking .*fx-0\\.2\\.0\\.tar\\.gz was refused, so nothing under .* was changed: ${place.replace(/[./]/g, '\\$&')} is a file where the version's folder goes: move it away \\(or remove it\\) and run it again\n$`));
      assert.equal(readFileSync(join(root, place), 'utf8'), "an operator's notes", `${place} is kept`);
      assert.equal(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8'), releasesBefore);
      assert.deepEqual(readdirSync(join(root, 'lib')).sort(), place.startsWith('lib') ? ['fx-0.1.0', 'fx-0.2.0'] : ['fx-0.1.0']);
      assert.deepEqual(readdirSync(root).filter((e) => e.startsWith('.unpack')), [], 'no staging folder');
      rmSync(join(root, place));
    }
    const r = await script(root, 'unpack', '0.2.0');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(listed(root), ['0.1.0 permanent', '0.2.0 unpacked']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a folder given for the tarball is refused as a folder, naming the file to give, not as a version that was never built', async () => {
  const root = await rootWithTarball('0.2.0');
  try {
    for (const folder of [join(root, 'releases'), `${join(root, 'releases')}/`]) {
      await assert.rejects(unpack(root, folder), (error: Error) => {
        assert.equal(error.message, `${folder} is a folder, not a release tarball, so nothing was unpacked: give the path of the fx-<vsn>.tar.gz file that otp release --tar writes, or a version whose tarball is in releases/`);
        return true;
      });
    }
    assert.deepEqual(listed(root), ['0.1.0 permanent']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a tarball with an entry climbing out of its folder, one cut short and one that is no tarball are refused in words naming the tarball and the fix (no raw tar or zlib code), and nothing is unpacked", async () => {
  const root = await rootWithTarball('0.2.0');
  const work = mkdtempSync(join(tmpdir(), 'otp-unpack-bad-'));
  try {
    const good = readFileSync(join(root, 'releases', 'fx-0.2.0.tar.gz'));
    mkdirSync(join(work, 'in'));
    writeFileSync(join(work, 'evil.txt'), 'pwned');
    await create({ file: join(work, 'climbs.tar.gz'), cwd: join(work, 'in'), gzip: true, preservePaths: true }, ['../evil.txt']);
    writeFileSync(join(work, 'short.tar.gz'), good.subarray(0, Math.floor(good.length / 2)));
    writeFileSync(join(work, 'text.tar.gz'), gzipSync('this is not a tar archive'));
    const cases: Array<[string, RegExp]> = [
      ['climbs.tar.gz', /climbs\.tar\.gz holds an entry outside the folder it unpacks into \(\.\.\/evil\.txt\), which no tarball written by otp release --tar has, so nothing of it was unpacked: rebuild it with otp release --tar$/],
      ['short.tar.gz', /short\.tar\.gz is cut short \(it ends part way through, as a copy or download that did not finish\), so nothing of it was unpacked: copy it again, or rebuild it with otp release --tar$/],
      ['text.tar.gz', /text\.tar\.gz is not a readable release tarball \(not a gzip-compressed tar archive\), so nothing of it was unpacked: give the <name>-<vsn>\.tar\.gz file that otp release --tar writes; rebuild it with otp release --tar$/],
    ];
    for (const [file, says] of cases) {
      const error = await unpack(root, join(work, file)).then(() => undefined, (e: unknown) => e as Error);
      assert.equal(error?.name, 'UnpackError', file);
      assert.match(error.message, says);
      assert.doesNotMatch(error.message, /TAR_|zlib/);
    }
    assert.deepEqual(listed(root), ['0.1.0 permanent']);
    assert.deepEqual(readdirSync(root).sort(), ['lib', 'releases']);
    assert.equal(existsSync(join(root, 'evil.txt')), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

test("a tarball whose node.args has a Node.js flag this machine's Node.js will not start with is refused naming the flag, and nothing is unpacked", async () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-unpack-'));
  const build = mkdtempSync(join(tmpdir(), 'otp-unpack-build-'));
  try {
    writeVersion(root, '0.1.0', '0.1.0');
    writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'fx', releases: [{ vsn: '0.1.0', status: 'permanent', applications: [{ name: 'fx', vsn: '0.1.0' }] }] }));
    writeVersion(build, '0.2.0', '0.2.0');
    writeFileSync(join(build, 'releases', '0.2.0', 'node.args'), '--name fx@127.0.0.1\n--setcookie secret\n--flag-of-another-node\n');
    const tarball = join(root, 'releases', 'fx-0.2.0.tar.gz');
    await create({ file: tarball, cwd: build, gzip: true, portable: true }, ['lib', 'releases']);
    const error = await unpack(root, tarball).then(() => undefined, (e: unknown) => e as Error);
    assert.equal(error?.name, 'UnpackError');
    assert.equal(error.message, `${tarball}: releases/0.2.0/node.args has a Node.js flag this machine's Node.js ${process.version} will not start with, --flag-of-another-node (bad option: --flag-of-another-node), so nothing of it was unpacked: fix or remove it in the project's config/node.args, then rebuild the tarball with otp release --tar`);
    assert.deepEqual(listed(root), ['0.1.0 permanent']);
    assert.deepEqual(readdirSync(join(root, 'lib')), ['fx-0.1.0']);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(build, { recursive: true, force: true });
  }
});

test('a path that is no file is refused as a missing tarball, not looked up as a version under releases/', async () => {
  const root = await rootWithTarball('0.2.0');
  try {
    for (const what of ['../no-such-folder-here/0.2.0', 'no/such/0.2.0']) {
      await assert.rejects(unpack(root, what), (error: Error) => {
        assert.equal(error.message, `${what} does not exist, so nothing was unpacked: give the path of a fx-<vsn>.tar.gz file that otp release --tar wrote, or a version whose tarball is in releases/`);
        return true;
      });
    }
    assert.deepEqual(listed(root), ['0.1.0 permanent']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// A tarball made here holding version `vsn` of fx, written as `file` in the root's releases/; `edit` changes its release.json.
async function tarballOf(root: string, vsn: string, file: string, edit: (r: Record<string, unknown>) => void = () => {}): Promise<string> {
  const build = mkdtempSync(join(tmpdir(), 'otp-unpack-build-'));
  writeVersion(build, vsn, vsn);
  const rel = join(build, 'releases', vsn, 'release.json');
  const release = JSON.parse(readFileSync(rel, 'utf8')) as Record<string, unknown>;
  edit(release);
  writeFileSync(rel, JSON.stringify(release));
  const out = join(root, 'releases', file);
  await create({ file: out, cwd: build, gzip: true, portable: true }, ['lib', 'releases']);
  rmSync(build, { recursive: true, force: true });
  return out;
}

const untouched = (root: string): void => {
  assert.deepEqual(listed(root), ['0.1.0 permanent']);
  assert.deepEqual(readdirSync(root).sort(), ['lib', 'releases'], 'no staging folder left');
  assert.deepEqual(readdirSync(join(root, 'lib')), ['fx-0.1.0']);
  assert.deepEqual(readdirSync(join(root, 'releases')).filter((f) => !f.endsWith('.tar.gz')).sort(), ['0.1.0', 'RELEASES.json']);
};

test('a tarball found by its version, or named for one, that holds another version is refused at unpack, naming both, nothing left', async () => {
  const root = await rootWithTarball('0.2.0');
  try {
    rmSync(join(root, 'releases', 'fx-0.2.0.tar.gz'));
    const misnamed = await tarballOf(root, '0.2.0', 'fx-0.3.0.tar.gz');
    await assert.rejects(unpack(root, '0.3.0'), (e: Error) => {
      assert.equal(e.name, 'UnpackError');
      assert.equal(e.message, `${misnamed} holds version 0.2.0 (releases/0.2.0/release.json), not 0.3.0, so nothing was unpacked: give the tarball of 0.3.0 (otp release --tar writes fx-0.3.0.tar.gz), or ask for 0.2.0`);
      return true;
    });
    untouched(root);
    await assert.rejects(unpack(root, misnamed), /fx-0\.3\.0\.tar\.gz holds version 0\.2\.0 \(releases\/0\.2\.0\/release\.json\), not 0\.3\.0 as its name says, so nothing was unpacked/);
    untouched(root);
    // A tarball given by a path whose name says no version is taken for what it holds.
    const plain = await tarballOf(root, '0.2.0', 'latest.tar.gz');
    assert.equal(await unpack(root, plain), '0.2.0');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a tarball whose release.json a boot would refuse (an application's start type, a malformed native record) is refused at unpack, nothing left", async () => {
  const root = await rootWithTarball('0.2.0');
  try {
    const cases: Array<[(r: Record<string, unknown>) => void, RegExp]> = [
      [(r) => (r.applications = [{ name: 'fx', vsn: '0.2.0', type: 'forever' }]), /fx-0\.2\.0\.tar\.gz: releases\/0\.2\.0\/release\.json is not a release file: "applications" must be a list of .*permanent, transient or temporary\), so nothing of it was unpacked: rebuild the tarball with otp release --tar$/],
      [(r) => (r.native = { platform: 'linux' }), /fx-0\.2\.0\.tar\.gz: releases\/0\.2\.0\/release\.json is not a release file: "native" must be the machine .*, so nothing of it was unpacked: rebuild the tarball with otp release --tar$/],
    ];
    for (const [edit, message] of cases) {
      rmSync(join(root, 'releases', 'fx-0.2.0.tar.gz'));
      await tarballOf(root, '0.2.0', 'fx-0.2.0.tar.gz', edit);
      await assert.rejects(unpack(root, '0.2.0'), (e: Error) => {
        assert.equal(e.name, 'UnpackError');
        assert.match(e.message, message);
        return true;
      });
      untouched(root);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
