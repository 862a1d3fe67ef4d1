// unpack on a release root written by hand, with tarballs made here: what an unpack interrupted half way (its
// process killed between its moves) leaves, and what the next unpack of the same version does with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import { unpack } from '../../src/control/unpack.ts';

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
