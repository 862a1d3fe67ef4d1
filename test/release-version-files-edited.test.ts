// releases/<vsn>/release.json edited by hand into a `native` of the wrong shape (not the machine its addons were built for)
// or into JSON that does not read: a boot refuses it (exit 2) naming the file, what is wrong and the fix, where it said
// "built for undefined-undefined" or "Cannot read properties of null"; an upgrade to such a version says so too, where it
// skipped its native-addon check and went on to ask the node. An upgrade to a version whose node.args does not read, has a
// line that is no flag, or holds the cookie readable by others is refused before the node is asked (it was the node's to
// refuse, or was installed and made permanent, every later boot of it then refused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privatePortMapper } from './support/epmd.ts';

const control = fileURLToPath(new URL('../packages/release/dist/control.js', import.meta.url));
const epmdPort = await privatePortMapper();

function script(root: string, ...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [control, ...args], { env: { ...process.env, OTP_RELEASE_ROOT: root, OTP_EPMD_PORT: String(epmdPort), NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr: stderr.trim() });
    });
  });
}

// A root of `shaped` with 0.1.0 permanent and 0.2.0 unpacked, each with its release.json and node.args.
function makeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'release-native-shape-'));
  for (const vsn of ['0.1.0', '0.2.0']) {
    mkdirSync(join(root, 'releases', vsn), { recursive: true });
    writeFileSync(join(root, 'releases', vsn, 'node.args'), '--name shaped@127.0.0.1\n--setcookie shaped\n', { mode: 0o600 });
    writeFileSync(join(root, 'releases', vsn, 'release.json'), JSON.stringify({ name: 'shaped', vsn, node: process.versions.node, runtime: '0.0.0', applications: [] }));
  }
  const releases = { name: 'shaped', releases: [{ vsn: '0.1.0', status: 'permanent', applications: [] }, { vsn: '0.2.0', status: 'unpacked', applications: [] }] };
  writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify(releases));
  return root;
}

test('a release.json whose "native" is not the machine its addons were built for is refused by foreground and daemon (exit 2), naming the file and the fix', { timeout: 300_000 }, async () => {
  const root = makeRoot();
  const file = join(root, 'releases', '0.1.0', 'release.json');
  const release = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  try {
    for (const native of ['x', null, {}, [], { platform: process.platform, arch: process.arch, abi: process.versions.modules }, { platform: process.platform, arch: process.arch, abi: process.versions.modules, addons: 'addon' }]) {
      const text = JSON.stringify({ ...release, native });
      writeFileSync(file, text);
      for (const command of ['foreground', 'daemon']) {
        const r = await script(root, command);
        assert.equal(r.status, 2, `${command} with native ${JSON.stringify(native)}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /undefined|Cannot read properties|TypeError/);
        assert.equal(r.stderr.split('\n').length, 1, r.stderr);
        assert.equal(r.stderr, `shaped: ${file} is not a release file: "native" must be the machine its native addons were built for, { "platform", "arch", "abi", "addons": [...] } as otp release records it, not ${JSON.stringify(native)}: restore it from the version's tarball, or rebuild the release with otp release (which records it), or remove "native" if the release carries no native addons`);
        assert.equal(readFileSync(file, 'utf8'), text, 'the file is left as it was');
        assert.equal(existsSync(join(root, 'run', 'shaped.pid')), false, `${command} started nothing`);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an upgrade to a version whose release.json does not read, or whose "native" is malformed, says so (exit 2) before the node is asked', { timeout: 300_000 }, async () => {
  const root = makeRoot();
  const file = join(root, 'releases', '0.2.0', 'release.json');
  const release = readFileSync(file, 'utf8');
  try {
    writeFileSync(file, release.slice(0, 30));
    const unreadable = await script(root, 'upgrade', '0.2.0');
    assert.equal(unreadable.status, 2, unreadable.stderr);
    assert.match(unreadable.stderr, /^shaped: \S+release\.json is not valid JSON at line 1, column \d+ \(.*\): fix it there \(an operator's edit: a missing comma or brace\) or rebuild the release with otp release$/);
    writeFileSync(file, JSON.stringify({ ...(JSON.parse(release) as object), native: { platform: process.platform } }));
    const malformed = await script(root, 'upgrade', '0.2.0');
    assert.equal(malformed.status, 2, malformed.stderr);
    assert.match(malformed.stderr, /^shaped: \S+release\.json is not a release file: "native" must be the machine its native addons were built for, .*, not \{"platform":"\w+"\}: /);
    assert.match(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8'), /"vsn":"0\.2\.0","status":"unpacked"/, 'RELEASES.json is left as it was');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an upgrade to a version whose node.args does not read, has a line that is no flag, or lets others read the cookie is refused (exit 2) before the node is asked', { timeout: 300_000 }, async () => {
  const root = makeRoot();
  const file = join(root, 'releases', '0.2.0', 'node.args');
  try {
    writeFileSync(file, '--name shaped@127.0.0.1\n--setcookie shaped\nbogus\n');
    const malformed = await script(root, 'upgrade', '0.2.0');
    assert.equal(malformed.status, 2, malformed.stderr);
    assert.match(malformed.stderr, /^shaped: \S+releases\/0\.2\.0\/node\.args:3: 'bogus' is not a flag: write --name, /);
    writeFileSync(file, '--name shaped@127.0.0.1\n--setcookie shaped\n');
    chmodSync(file, 0o644);
    const readable = await script(root, 'upgrade', '0.2.0');
    assert.equal(readable.status, 2, readable.stderr);
    assert.equal(readable.stderr, `shaped: releases/0.2.0/node.args holds the node's cookie and other users may read it (mode 644), so anyone on this machine could take over the node; 0.2.0 was not installed, as every boot of it would be refused: chmod 600 ${file} (otp release writes it so), then run upgrade 0.2.0 again`);
    rmSync(file);
    mkdirSync(file);
    const unreadable = await script(root, 'upgrade', '0.2.0');
    assert.equal(unreadable.status, 2, unreadable.stderr);
    assert.equal(unreadable.stderr, `shaped: ${file} cannot be read (EISDIR), so the node's name, cookie and flags are unknown: make it a file the user who runs the node owns and may read (chown that user, chmod 600), or restore it from the version's tarball`);
    assert.match(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8'), /"vsn":"0\.2\.0","status":"unpacked"/, 'RELEASES.json is left as it was');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
