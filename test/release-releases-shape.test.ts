// releases/RELEASES.json edited by hand into valid JSON of the wrong shape (no list of versions, a version without its
// status): the start script's commands refuse it (exit 2) naming the file, what is wrong and the fix, and change nothing,
// where they printed 's.releases is not iterable' or listed nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const control = fileURLToPath(new URL('../packages/release/dist/control.js', import.meta.url));

test('a RELEASES.json of the wrong shape is refused by versions, stop and ping (exit 2) naming the file and what is wrong, and left as it was', () => {
  const root = mkdtempSync(join(tmpdir(), 'releases-shape-'));
  const file = join(root, 'releases', 'RELEASES.json');
  const script = (...args: string[]) => spawnSync(process.execPath, [control, ...args], { env: { ...process.env, OTP_RELEASE_ROOT: root, NO_COLOR: '1' }, encoding: 'utf8', timeout: 120_000 });
  try {
    mkdirSync(join(root, 'releases', '0.1.0'), { recursive: true });
    writeFileSync(join(root, 'releases', '0.1.0', 'node.args'), '--name shaped@127.0.0.1\n--setcookie shaped\n');
    const shapes: Array<[text: string, wrong: string]> = [
      ['{"name": "shaped"}', '"releases" is not a list of versions'],
      ['{"name": "shaped", "releases": {"0.1.0": "permanent"}}', '"releases" is not a list of versions'],
      ['{"name": "shaped", "releases": [{"vsn": "0.1.0"}]}', 'releases\\[0\\] has no "vsn" or no "status" \\(one of permanent, current, old, unpacked\\)'],
      ['["shaped"]', '"name" is not the release\'s name'],
      ['{"name": "shaped", "releases": [{"vsn": "0.1.0", "status": "permanent"}, {"vsn": "0.2.0", "status": "permanent"}]}', 'releases\\[0\\] and releases\\[1\\] are both "permanent" \\(the version the next boot starts is one; mark the others "old"\\)'],
    ];
    for (const [text, wrong] of shapes) {
      writeFileSync(file, text);
      for (const command of ['versions', 'stop', 'ping']) {
        const r = script(command);
        assert.equal(r.status, 2, `${command} with ${text}: ${r.stdout}${r.stderr}`);
        assert.doesNotMatch(r.stderr, /is not iterable|TypeError|undefined/);
        assert.match(r.stderr, new RegExp(`RELEASES\\.json is not a releases file: ${wrong}: restore it .* or rebuild the release with otp release`), `${command} with ${text}`);
        assert.equal(readFileSync(file, 'utf8'), text, 'the file is left as it was');
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a RELEASES.json listing no versions is refused by every command (exit 2) in one line naming the file and the fix, and left as it was; --help still names the release', () => {
  const root = mkdtempSync(join(tmpdir(), 'releases-empty-'));
  const file = join(root, 'releases', 'RELEASES.json');
  const script = (...args: string[]) => spawnSync(process.execPath, [control, ...args], { env: { ...process.env, OTP_RELEASE_ROOT: root, NO_COLOR: '1' }, encoding: 'utf8', timeout: 120_000 });
  try {
    mkdirSync(join(root, 'releases'), { recursive: true });
    const text = '{"name": "emptied", "releases": []}';
    writeFileSync(file, text);
    // versions printed nothing and succeeded; the others each failed their own way, or (foreground) read no version's files.
    for (const command of [['versions'], ['foreground'], ['daemon'], ['stop'], ['ping'], ['pid'], ['upgrade', '0.2.0'], ['downgrade', '0.1.0'], ['unpack', '0.2.0'], ['rpc', 'm', 'f'], ['eval', '1'], ['restart'], ['remote']]) {
      const r = script(...command);
      assert.equal(r.status, 2, `${command.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '', command.join(' '));
      assert.equal(r.stderr, `emptied: ${file} lists no versions, so none can be booted, shown or installed: restore it (otp release writes it, listing each installed version and its status) or rebuild the release with otp release\n`, command.join(' '));
      assert.equal(readFileSync(file, 'utf8'), text, 'the file is left as it was');
    }
    const help = script('--help');
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^bin\/emptied <command>/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a RELEASES.json marking no version permanent: foreground and daemon refuse (exit 2) in one line naming the file, its versions and the fix, where they said "version  is not in this release root"', () => {
  const root = mkdtempSync(join(tmpdir(), 'releases-none-permanent-'));
  const file = join(root, 'releases', 'RELEASES.json');
  const script = (...args: string[]) => spawnSync(process.execPath, [control, ...args], { env: { ...process.env, OTP_RELEASE_ROOT: root, NO_COLOR: '1' }, encoding: 'utf8', timeout: 120_000 });
  try {
    mkdirSync(join(root, 'releases', '0.1.0'), { recursive: true });
    writeFileSync(join(root, 'releases', '0.1.0', 'node.args'), '--name unmarked@127.0.0.1\n--setcookie unmarked\n');
    const text = '{"name": "unmarked", "releases": [{"vsn": "0.1.0", "status": "old", "applications": []}]}';
    writeFileSync(file, text);
    for (const command of ['foreground', 'daemon']) {
      const r = script(command);
      assert.equal(r.status, 2, `${command}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stderr, `unmarked: ${file} marks no version permanent (it lists 0.1.0 (old)), so there is none to boot: mark the version to boot "permanent" there, or boot one by name (bin/unmarked foreground --vsn VSN)\n`, command);
      assert.equal(readFileSync(file, 'utf8'), text, 'the file is left as it was');
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
