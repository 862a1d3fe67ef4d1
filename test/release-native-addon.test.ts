// A dependency carrying a native addon (a `.node` file: machine code for one platform and Node.js ABI) is included in the
// release knowingly: otp release builds it and says so in one warning line naming the package and the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { releaseProject } from './support/release-project.ts';
import { privatePortMapper } from './support/epmd.ts';

// otp release may start a port mapper: it is this file's own, stopped with the file, so none is left on 4369.
await privatePortMapper();

test('a dependency with a native addon: otp release includes the .node file and warns once, naming the package, the file and the platform', { timeout: 300_000 }, async () => {
  const project = releaseProject('native', { env: { ...process.env, NO_COLOR: '1' } });
  try {
    await project.create();
    const addon = join(project.dir, 'node_modules', 'addon');
    mkdirSync(join(addon, 'build', 'Release'), { recursive: true });
    writeFileSync(join(addon, 'package.json'), JSON.stringify({ name: 'addon', version: '1.0.0', main: 'index.js', gypfile: true }));
    writeFileSync(join(addon, 'index.js'), "module.exports = require('./build/Release/addon.node');\n");
    writeFileSync(join(addon, 'build', 'Release', 'addon.node'), 'not loaded by the build');
    const pkg = join(project.dir, 'package.json');
    const manifest = JSON.parse(readFileSync(pkg, 'utf8')) as { dependencies: Record<string, string> };
    writeFileSync(pkg, JSON.stringify({ ...manifest, dependencies: { ...manifest.dependencies, addon: '1.0.0' } }, null, 2));
    writeFileSync(join(project.dir, 'src', 'native.ts'), "import addon from 'addon';\n\nexport const loaded = (): boolean => addon !== undefined;\n");
    const built = await project.otp(['release']);
    assert.equal(built.status, 0, built.out);
    const warnings = built.stderr.split('\n').filter((l) => l.includes('warning'));
    assert.deepEqual(warnings, [
      `otp: warning: the release carries native addons, machine code for one platform and Node.js ABI (on this machine ${process.platform}-${process.arch}, Node.js ${process.versions.node.split('.')[0]}.x, ABI ${process.versions.modules}): addon (build/Release/addon.node); the release boots only where they were built for, so build it on the kind of machine it is deployed to`,
    ]);
    assert.equal(existsSync(join(project.rel, 'lib', 'native-0.1.0', 'node_modules', 'addon', 'build', 'Release', 'addon.node')), true, 'the addon is in the release');
    // release.json records the machine the addons were built for, and a boot on another one refuses before anything starts.
    const releaseJson = join(project.rel, 'releases', '0.1.0', 'release.json');
    const release = JSON.parse(readFileSync(releaseJson, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(release.native, { platform: process.platform, arch: process.arch, abi: process.versions.modules, addons: ['addon (build/Release/addon.node)'] });
    const other = process.platform === 'linux' ? 'darwin' : 'linux';
    writeFileSync(releaseJson, JSON.stringify({ ...release, native: { platform: other, arch: 'arm64', abi: '1', addons: ['addon (build/Release/addon.node)'] } }, null, 2));
    const here = `${process.platform}-${process.arch}, Node.js ABI ${process.versions.modules}`;
    for (const command of ['foreground', 'daemon']) {
      const booted = await project.run([command]);
      assert.equal(booted.status, 2, booted.out);
      assert.deepEqual(booted.stderr.trim().split('\n'), [
        `native: native 0.1.0 carries native addons built for ${other}-arm64, Node.js ABI 1, but this machine is ${here}, so it is not booted: addon (build/Release/addon.node) would not load here; build the release with otp release on a ${process.platform}-${process.arch} machine with this Node.js (ABI ${process.versions.modules}), or deploy it to a ${other}-arm64 machine with a Node.js of ABI 1`,
      ]);
      assert.equal(existsSync(join(project.rel, 'run', 'native.pid')), false, `${command} started nothing`);
    }
  } finally {
    await project.remove();
  }
});

test('an upgrade to a version whose native addons were built for another machine is refused before the node is asked; the old version runs on', { timeout: 300_000 }, async () => {
  const project = releaseProject('nativeup', { env: { ...process.env, NO_COLOR: '1' } });
  try {
    await project.create();
    assert.equal((await project.otp(['release'])).status, 0);
    const up = await project.run(['daemon']);
    assert.equal(up.status, 0, up.out);
    const addon = join(project.dir, 'node_modules', 'addon');
    mkdirSync(join(addon, 'build', 'Release'), { recursive: true });
    writeFileSync(join(addon, 'package.json'), JSON.stringify({ name: 'addon', version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(addon, 'index.js'), "module.exports = require('./build/Release/addon.node');\n");
    writeFileSync(join(addon, 'build', 'Release', 'addon.node'), 'not loaded by the build');
    const pkg = join(project.dir, 'package.json');
    const manifest = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string; dependencies: Record<string, string> };
    writeFileSync(pkg, JSON.stringify({ ...manifest, version: '0.2.0', dependencies: { ...manifest.dependencies, addon: '1.0.0' } }, null, 2));
    writeFileSync(join(project.dir, 'src', 'native.ts'), "import addon from 'addon';\n\nexport const loaded = (): boolean => addon !== undefined;\n");
    const built = await project.otp(['release', '--upgrade-from', '0.1.0']);
    assert.equal(built.status, 0, built.out);
    const releaseJson = join(project.rel, 'releases', '0.2.0', 'release.json');
    const release = JSON.parse(readFileSync(releaseJson, 'utf8')) as Record<string, unknown>;
    writeFileSync(releaseJson, JSON.stringify({ ...release, native: { platform: process.platform, arch: process.arch, abi: '1', addons: ['addon (build/Release/addon.node)'] } }, null, 2));
    const upgraded = await project.run(['upgrade', '0.2.0']);
    assert.equal(upgraded.status, 2, upgraded.out);
    assert.match(upgraded.stderr, /^nativeup: nativeup 0\.2\.0 carries native addons built for .*, Node\.js ABI 1, but this machine is .*, so it is not installed: addon \(build\/Release\/addon\.node\) would not load here; /);
    const versions = await project.run(['versions']);
    assert.match(versions.stdout, /0\.1\.0[^\n]*permanent/, versions.out);
  } finally {
    await project.remove();
  }
});
