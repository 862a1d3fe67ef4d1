// Unpacking end to end on a running release deployed from its tarball: a tarball with any file a boot
// or an install reads broken is refused with one line naming the file and the fix, and leaves no trace
// in RELEASES.json, releases/ or lib/; the fixed tarball of the same version then unpacks and installs.
// An unpacked version whose install failed is replaced by a new tarball of it, given by path or found
// by its version, rather than kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, extract } from 'tar';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

/** What of a release root an unpack may change: RELEASES.json, and the folders of releases/ and lib/. */
function footprint(root: string): string {
  return JSON.stringify({ releases: readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8'), versions: readdirSync(join(root, 'releases')).filter((e) => !e.endsWith('.tar.gz')).sort(), lib: readdirSync(join(root, 'lib')).sort(), staging: readdirSync(root).filter((e) => e.startsWith('.unpack')) });
}

/** A copy of `tarball` at `out` with `edit` applied to its extracted files. */
async function alteredTarball(tarball: string, out: string, edit: (dir: string) => void): Promise<void> {
  const dir = mkdtempSync(`${out}-`);
  try {
    await extract({ file: tarball, cwd: dir });
    edit(dir);
    await create({ file: out, cwd: dir, gzip: true, portable: true }, readdirSync(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Each way a tarball can be broken, and what the one-line refusal must say.
const breakages: Array<{ what: string; edit: (dir: string) => void; says: RegExp }> = [
  { what: 'sys.config.json that is not JSON', edit: (d) => writeFileSync(join(d, 'releases', '0.2.0', 'sys.config.json'), '{ "unpacker": '), says: /unpacker-0\.2\.0\.tar\.gz: releases\/0\.2\.0\/sys\.config\.json is not valid JSON \(.+\): fix the project's config\/sys\.config\.json, then rebuild the tarball with otp release --tar$/ },
  { what: 'sys.config.json with an entry that is not an object', edit: (d) => writeFileSync(join(d, 'releases', '0.2.0', 'sys.config.json'), '{ "unpacker": 5 }'), says: /unpacker-0\.2\.0\.tar\.gz: releases\/0\.2\.0\/sys\.config\.json: the entry of 'unpacker' must be an object of settings, got 5: fix the project's config\/sys\.config\.json/ },
  { what: 'node.args with a word that is not a flag', edit: (d) => writeFileSync(join(d, 'releases', '0.2.0', 'node.args'), '--name unpacker@127.0.0.1\nshop\n'), says: /unpacker-0\.2\.0\.tar\.gz: releases\/0\.2\.0\/node\.args:2: 'shop' is not a flag: .*\(in the project's config\/node\.args; then rebuild the tarball with otp release --tar\)$/ },
  { what: 'relup.json that is not JSON', edit: (d) => writeFileSync(join(d, 'releases', '0.2.0', 'relup.json'), '{'), says: /unpacker-0\.2\.0\.tar\.gz: releases\/0\.2\.0\/relup\.json is not valid JSON \(.+\): rebuild it with otp release --tar --upgrade-from VSN$/ },
  { what: 'an app.json that is not JSON', edit: (d) => writeFileSync(join(d, 'lib', 'unpacker-0.2.0', 'app.json'), 'nope'), says: /unpacker-0\.2\.0\.tar\.gz: lib\/unpacker-0\.2\.0\/app\.json is not valid JSON \(.+\): rebuild the tarball with otp release --tar$/ },
  { what: 'a module its app.json lists missing', edit: (d) => rmSync(join(d, 'lib', 'unpacker-0.2.0', 'src', 'unpacker_server.js')), says: /unpacker-0\.2\.0\.tar\.gz: lib\/unpacker-0\.2\.0\/app\.json lists .*unpacker_server\.js, which the tarball lacks: rebuild the tarball with otp release --tar$/ },
];

test('a tarball with a broken file is refused with one line and leaves no trace; the fixed tarball of the same version then installs, and a new tarball replaces an unpacked copy whose install failed', { timeout: 900_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'unpack-'));
  const deploy = join(base, 'deploy');
  const script = (args: string[]) => run(join(deploy, 'bin', 'unpacker'), args, deploy);
  const dir = join(base, 'unpacker');
  const rel = join(dir, '_build', 'prod', 'rel', 'unpacker');
  const serverFile = join(dir, 'src', 'unpacker_server.ts');
  const pkg = join(dir, 'package.json');
  // Releases `vsn` from `from` with the server's codeChange and a release() marker of `label`.
  const releaseAs = async (vsn: string, from: string, codeChange: string, label: string): Promise<string> => {
    // The marker an earlier build appended goes (the first build has none, so this edit may not apply).
    const source = readFileSync(serverFile, 'utf8').replace(/\n\/\*\* Which build this is\. \*\/[\s\S]*$/, '\n');
    writeFileSync(serverFile, `${replaceOrFail(source, / {2}codeChange: .*\n/, `  codeChange: ${codeChange},\n`)}\n/** Which build this is. */\nexport function release(): string {\n  return '${label}';\n}\n`);
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), /"version": "[^"]+"/, `"version": "${vsn}"`));
    await ok(run(process.execPath, [otp, 'release', '--tar', '--upgrade-from', from], dir), `otp release ${label}`);
    return join(rel, `unpacker-${vsn}.tar.gz`);
  };
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'unpacker', '--quiet'], base), 'otp new');
    await ok(run(process.execPath, [otp, 'release', '--tar'], dir), 'otp release 0.1.0');
    mkdirSync(deploy);
    await extract({ file: join(rel, 'unpacker-0.1.0.tar.gz'), cwd: deploy });
    assert.match(await ok(script(['daemon']), 'daemon'), /started unpacker 0\.1\.0/);
    const migrate = '(_oldVsn, state: State | OldState) => (state instanceof Map ? { counts: Object.fromEntries(state) } : state)';
    const good = await releaseAs('0.2.0', '0.1.0', migrate, '0.2.0');

    const before = footprint(deploy);
    const target = join(deploy, 'releases', 'unpacker-0.2.0.tar.gz');
    for (const broken of breakages) {
      await alteredTarball(good, target, broken.edit);
      for (const command of [['unpack', '0.2.0'], ['upgrade', '0.2.0'], ['upgrade', target]]) {
        const refused = await script(command);
        assert.equal(refused.status, 2, `${broken.what}, ${command.join(' ')}: ${refused.out}`);
        assert.equal(refused.stderr.split('\n').length, 1, refused.stderr);
        assert.match(refused.stderr, broken.says, broken.what);
        assert.equal(footprint(deploy), before, `${broken.what} left a trace`);
      }
    }
    // The good tarball of the same version, in the same place, now unpacks and installs.
    copyFileSync(good, target);
    assert.match(await ok(script(['upgrade', '0.2.0']), 'upgrade 0.2.0'), /upgraded 0\.1\.0 → 0\.2\.0/);
    assert.equal(await ok(script(['rpc', 'unpacker/unpacker_server', 'release']), 'rpc'), '"0.2.0"');

    // 0.3.0's first build fails its install and stays unpacked; a rebuilt 0.3.0 given by path replaces it.
    const failing = "() => { throw new Error('not this build'); }";
    await ok(script(['unpack', await releaseAs('0.3.0', '0.2.0', failing, '0.3.0-a')]), 'unpack 0.3.0 a');
    const rolledBack = await script(['upgrade', '0.3.0']);
    assert.equal(rolledBack.status, 1, rolledBack.out);
    assert.match(rolledBack.stderr, /rolled back, 0\.2\.0 still runs: .*not this build/);
    assert.match(await ok(script(['versions']), 'versions'), /0\.3\.0\s+unpacked/);
    const fixed = await releaseAs('0.3.0', '0.2.0', migrate, '0.3.0-b');
    assert.match(await ok(script(['upgrade', fixed]), 'upgrade with the rebuilt 0.3.0'), /upgraded 0\.2\.0 → 0\.3\.0/);
    assert.equal(await ok(script(['rpc', 'unpacker/unpacker_server', 'release']), 'rpc'), '"0.3.0-b"');

    // The same found by version: a different tarball in releases/ replaces the unpacked 0.4.0.
    copyFileSync(await releaseAs('0.4.0', '0.3.0', failing, '0.4.0-a'), join(deploy, 'releases', 'unpacker-0.4.0.tar.gz'));
    assert.equal((await script(['upgrade', '0.4.0'])).status, 1);
    copyFileSync(await releaseAs('0.4.0', '0.3.0', migrate, '0.4.0-b'), join(deploy, 'releases', 'unpacker-0.4.0.tar.gz'));
    assert.match(await ok(script(['upgrade', '0.4.0']), 'upgrade 0.4.0 from the replaced tarball'), /upgraded 0\.3\.0 → 0\.4\.0/);
    assert.equal(await ok(script(['rpc', 'unpacker/unpacker_server', 'release']), 'rpc'), '"0.4.0-b"');
    assert.match(await ok(script(['versions']), 'versions'), /0\.1\.0\s+old\n0\.2\.0\s+old\n0\.3\.0\s+old\n0\.4\.0\s+permanent \(running\)/);
    assert.deepEqual(readdirSync(deploy).filter((e) => e.startsWith('.unpack')), []);
  } finally {
    await script(['stop']);
    const pidFile = join(deploy, 'run', 'unpacker.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : NaN;
    if (Number.isInteger(pid) && pid > 1) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // stopped already
      }
    }
    rmSync(base, { recursive: true, force: true });
  }
});
