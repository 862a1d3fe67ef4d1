// Each application version carries its own npm dependencies (the runtime alone is one per node): a release deployed from its tarball whose
// 0.2.0 needs another version of an npm package (and of that package's own dependency) than 0.1.0 runs
// 0.2.0's code against 0.2.0's packages after a live upgrade, 0.1.0's after a downgrade, and the
// permanent version's after a restart — even when the application's own code did not change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

// The project's node_modules/: greet (ESM) at `vsn`, which imports tone (CommonJS) at the same version.
function installPackages(project: string, vsn: string, word: string): void {
  const greet = join(project, 'node_modules', 'greet');
  const tone = join(project, 'node_modules', 'tone');
  rmSync(join(project, 'node_modules'), { recursive: true, force: true });
  mkdirSync(greet, { recursive: true });
  mkdirSync(tone, { recursive: true });
  writeFileSync(join(greet, 'package.json'), JSON.stringify({ name: 'greet', version: vsn, type: 'module', main: 'index.js', dependencies: { tone: vsn } }));
  writeFileSync(join(greet, 'index.js'), `import { tone } from 'tone';\nexport function greet() {\n  return 'greet ${vsn} ' + tone();\n}\n`);
  writeFileSync(join(tone, 'package.json'), JSON.stringify({ name: 'tone', version: vsn, main: 'index.js' }));
  writeFileSync(join(tone, 'index.js'), `exports.tone = function () {\n  return '${word}';\n};\n`);
}

test('an upgrade whose npm dependency changed runs the new package, a downgrade the old one, a restart the permanent version\'s, though the module importing it did not change', { timeout: 600_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'deps-'));
  const dir = join(base, 'greeter');
  const rel = join(dir, '_build', 'prod', 'rel', 'greeter');
  const deploy = join(base, 'deploy');
  const script = (args: string[]) => run(join(deploy, 'bin', 'greeter'), args, deploy);
  const pkg = join(dir, 'package.json');
  const hello = () => ok(script(['rpc', 'greeter/hello', 'hello']), 'rpc hello');
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'greeter', '--quiet'], base), 'otp new');
    installPackages(dir, '1.0.0', 'plain');
    const manifest = JSON.parse(readFileSync(pkg, 'utf8')) as { dependencies?: Record<string, string> };
    writeFileSync(pkg, JSON.stringify({ ...manifest, dependencies: { ...manifest.dependencies, greet: '1.0.0' } }, null, 2));
    writeFileSync(join(dir, 'src', 'hello.ts'), "import { greet } from 'greet';\n\nexport function hello(): string {\n  return greet();\n}\n");
    await ok(run(process.execPath, [otp, 'release', '--tar'], dir), 'otp release 0.1.0');
    mkdirSync(deploy);
    await extract({ file: join(rel, 'greeter-0.1.0.tar.gz'), cwd: deploy });
    assert.match(await ok(script(['daemon']), 'daemon'), /started greeter 0\.1\.0/);
    assert.equal(await hello(), '"greet 1.0.0 plain"');

    // 0.2.0: the same code, with greet 2.0.0 and its tone 2.0.0.
    installPackages(dir, '2.0.0', 'loud');
    writeFileSync(pkg, replaceOrFail(replaceOrFail(readFileSync(pkg, 'utf8'), '"greet": "1.0.0"', '"greet": "2.0.0"'), '"version": "0.1.0"', '"version": "0.2.0"'));
    await ok(run(process.execPath, [otp, 'release', '--tar', '--upgrade-from', '0.1.0'], dir), 'otp release 0.2.0');
    copyFileSync(join(rel, 'greeter-0.2.0.tar.gz'), join(deploy, 'releases', 'greeter-0.2.0.tar.gz'));
    assert.match(await ok(script(['upgrade', '0.2.0']), 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0[^]*greeter\/hello/);
    assert.equal(await hello(), '"greet 2.0.0 loud"', 'after the upgrade, 0.2.0 runs against its own packages');

    assert.match(await ok(script(['downgrade', '0.1.0']), 'downgrade'), /downgraded 0\.2\.0 → 0\.1\.0/);
    assert.equal(await hello(), '"greet 1.0.0 plain"', 'after the downgrade, 0.1.0 runs against its own packages');

    assert.match(await ok(script(['upgrade', '0.2.0']), 'upgrade again'), /upgraded 0\.1\.0 → 0\.2\.0/);
    assert.equal(await ok(script(['stop']), 'stop'), 'stopped');
    assert.match(await ok(script(['daemon']), 'daemon 0.2.0'), /started greeter 0\.2\.0/);
    assert.equal(await hello(), '"greet 2.0.0 loud"', 'a boot of the permanent 0.2.0 runs against its own packages');
    assert.equal(await ok(script(['stop']), 'stop'), 'stopped');
  } finally {
    await script(['stop']);
    rmSync(base, { recursive: true, force: true });
  }
});

test('a version built with another @otp-ts/runtime is refused by upgrade, naming both runtimes and what to do, exit 2, and the node runs on unchanged', { timeout: 600_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'runtime-'));
  const dir = join(base, 'spry');
  const rel = join(dir, '_build', 'prod', 'rel', 'spry');
  const deploy = join(base, 'deploy');
  const script = (args: string[]) => run(join(deploy, 'bin', 'spry'), args, deploy);
  const pkg = join(dir, 'package.json');
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'spry', '--quiet'], base), 'otp new');
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'one';\n}\n");
    await ok(run(process.execPath, [otp, 'release', '--tar'], dir), 'otp release 0.1.0');
    mkdirSync(deploy);
    await extract({ file: join(rel, 'spry-0.1.0.tar.gz'), cwd: deploy });
    assert.match(await ok(script(['daemon']), 'daemon'), /started spry 0\.1\.0/);
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'two';\n}\n");
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.1.0"', '"version": "0.2.0"'));
    await ok(run(process.execPath, [otp, 'release', '--tar', '--upgrade-from', '0.1.0'], dir), 'otp release 0.2.0');
    // The same 0.2.0 as if built with another runtime: its release.json and the runtime it carries say 9.9.9.
    const staged = join(base, 'staged');
    mkdirSync(staged);
    await extract({ file: join(rel, 'spry-0.2.0.tar.gz'), cwd: staged });
    for (const file of [join(staged, 'releases', '0.2.0', 'release.json'), join(staged, 'node_modules', '@otp-ts', 'runtime', 'package.json')]) {
      writeFileSync(file, replaceOrFail(readFileSync(file, 'utf8'), /"(runtime|version)": "0\.1\.0"/, '"$1": "9.9.9"'));
    }
    await create({ file: join(deploy, 'releases', 'spry-0.2.0.tar.gz'), cwd: staged, gzip: true, portable: true }, readdirSync(staged));
    const refused = await script(['upgrade', '0.2.0']);
    assert.equal(refused.status, 2, refused.out);
    assert.equal(refused.stderr, 'spry: spry 0.2.0 was built with @otp-ts/runtime 9.9.9 and this node runs @otp-ts/runtime 0.1.0: a node\'s runtime cannot be replaced live (OTP\'s restart_new_emulator), so nothing was changed; to upgrade live, rebuild 0.2.0 with @otp-ts/runtime 0.1.0, else deploy 0.2.0 as a new release root (stop this node, extract spry-0.2.0.tar.gz into an empty folder and start it there with daemon)');
    assert.equal(await ok(script(['rpc', 'spry/which', 'which']), 'rpc'), '"one"', '0.1.0 still runs');
    assert.match(await ok(script(['versions']), 'versions'), /^0\.1\.0 +permanent \(running\)$/m);
    assert.equal(await ok(script(['stop']), 'stop'), 'stopped');
  } finally {
    await script(['stop']);
    rmSync(base, { recursive: true, force: true });
  }
});
