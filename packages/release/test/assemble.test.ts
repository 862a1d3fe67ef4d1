import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { x as extract, t as list } from 'tar';
import { assembleRelease, planRelease, ReleaseError, type PlanOptions } from '@otp-ts/release';
import type { ReleaseFile, ReleasesFile, Relup } from '@otp-ts/runtime/tools';
import { fixtureProject, sources, tempDir, writeTree } from './helpers.ts';

const releases = { shop: { applications: ['shop'] } };
const json = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

// Every file under a folder with its content digest and mode: equal snapshots mean nothing changed.
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name);
    out[p.slice(dir.length)] = e.isFile() ? `${createHash('sha1').update(readFileSync(p)).digest('hex')} ${statSync(p).mode}` : 'dir';
  }
  return out;
}

async function shopProject(root: string, vsn: string, n: number, extra: Record<string, string> = {}): Promise<string> {
  return fixtureProject(root, vsn, { shop: { vsn, applications: ['core'], modules: { 'server.ts': sources.server(n), 'shop_sup.ts': sources.sup(1) } }, core: { vsn: '1.0.0', modules: { 'core.ts': sources.plain(1) } } }, extra);
}

async function release(options: PlanOptions, onProgress?: (line: string) => void) {
  const plan = await planRelease(options);
  return { plan, result: await assembleRelease(plan, { onProgress }) };
}

test('a release root as SPEC §6 lays it out; a second version joins the first, unpacked, with its relup and the same cookie', async () => {
  const root = await shopProject(tempDir(), '0.1.0', 1);
  const rel = join(root, '_build', 'prod', 'rel', 'shop');
  await release({ root, releases });
  for (const p of ['bin/shop', 'bin/shop.mjs', 'releases/0.1.0/release.json', 'releases/0.1.0/sys.config.json', 'releases/0.1.0/node.args', 'releases/RELEASES.json', 'lib/shop-0.1.0/app.json', 'lib/shop-0.1.0/src/server.js', 'lib/core-1.0.0/src/core.js', 'node_modules/@otp-ts/runtime/dist/index.js']) {
    assert.ok(existsSync(join(rel, p)), p);
  }
  assert.equal(statSync(join(rel, 'bin', 'shop')).mode & 0o777, 0o755);
  const file = json<ReleaseFile>(join(rel, 'releases', '0.1.0', 'release.json'));
  assert.deepEqual([file.name, file.vsn, file.node, file.applications], ['shop', '0.1.0', process.versions.node, [{ name: 'core', vsn: '1.0.0' }, { name: 'shop', vsn: '0.1.0' }]]);
  const cookie = /--setcookie (\S+)/.exec(readFileSync(join(rel, 'releases', '0.1.0', 'node.args'), 'utf8'))![1];

  await shopProject(root, '0.2.0', 2);
  const { plan } = await release({ root, releases, upgradeFrom: '0.1.0' });
  assert.equal(plan.cookieSource, 'earlier');
  assert.deepEqual(json<ReleasesFile>(join(rel, 'releases', 'RELEASES.json')).releases.map((r) => [r.vsn, r.status]), [['0.1.0', 'permanent'], ['0.2.0', 'unpacked']]);
  assert.ok(existsSync(join(rel, 'lib', 'shop-0.1.0')) && existsSync(join(rel, 'lib', 'shop-0.2.0')) && existsSync(join(rel, 'releases', '0.1.0', 'release.json')));
  assert.match(readFileSync(join(rel, 'releases', '0.2.0', 'node.args'), 'utf8'), new RegExp(`--setcookie ${cookie}\n`));
  const relup = json<Relup>(join(rel, 'releases', '0.2.0', 'relup.json'));
  assert.deepEqual(relup.up[0]!.apps, [{ kind: 'change', app: 'shop', from: '0.1.0', to: '0.2.0', added: [], removed: [], changed: [{ module: 'shop/server', behaviour: 'gen_server' }] }]);
  assert.deepEqual(readdirSync(join(root, '_build', 'prod', 'rel')), ['shop'], 'no staging folder is left behind');

  await rejects(release({ root, releases, upgradeFrom: '0.0.9' }), 'unknownVersion', /release shop has no version 0\.0\.9 in .* \(it has 0\.1\.0, 0\.2\.0\)/);
});

test('the tarball holds one version as a runnable root and unpacks', async () => {
  const root = await shopProject(tempDir(), '0.1.0', 1);
  await release({ root, releases });
  await shopProject(root, '0.2.0', 2);
  const { result } = await release({ root, releases, tar: true });
  const tarball = join(root, '_build', 'prod', 'rel', 'shop', 'shop-0.2.0.tar.gz');
  assert.equal(result.tarball?.file, tarball);
  const entries: string[] = [];
  await list({ file: tarball, onReadEntry: (e) => void entries.push(e.path) });
  assert.ok(entries.includes('bin/shop') && entries.includes('releases/0.2.0/release.json') && entries.includes('lib/shop-0.2.0/src/server.js') && entries.includes('node_modules/@otp-ts/runtime/dist/index.js'), entries.join('\n'));
  assert.ok(!entries.some((e) => e.includes('0.1.0/') || e.includes('shop-0.1.0')), 'only this version');
  const out = tempDir();
  await extract({ file: tarball, cwd: out });
  assert.deepEqual(json<ReleasesFile>(join(out, 'releases', 'RELEASES.json')).releases.map((r) => [r.vsn, r.status]), [['0.2.0', 'permanent']]);
  assert.equal(statSync(join(out, 'bin', 'shop')).mode & 0o777, 0o755);

  await shopProject(root, '0.3.0', 3);
  const upgrade = await planRelease({ root, releases, upgradeFrom: tarball });
  assert.deepEqual(upgrade.relup?.up.map((s) => [s.vsn, s.apps.map((c) => c.kind === 'change' && [c.from, c.to, c.changed.map((m) => m.module)])]), [['0.2.0', [['0.2.0', '0.3.0', ['shop/server']]]]]);
});

test('a failed assembly leaves the release root as it was and no staging folder', async () => {
  const root = await shopProject(tempDir(), '0.1.0', 1);
  const relDir = join(root, '_build', 'prod', 'rel');
  await release({ root, releases });
  await shopProject(root, '0.2.0', 2);
  const before = snapshot(relDir);
  const failAt = (step: string) => (line: string) => {
    if (line.startsWith(step)) throw new Error(`injected failure at ${step}`);
  };
  for (const step of ['copying node_modules', 'writing tarball', 'installing into']) {
    await rejects(release({ root, releases, tar: true }, failAt(step)), 'assembly', new RegExp(`injected failure at ${step}.*was left as it was`));
    assert.deepEqual(snapshot(relDir), before, step);
  }
  // A failure half-way through the moves: bin/ is a file, so lib/ and releases/ are in before it fails.
  const bin = join(relDir, 'shop', 'bin');
  rmSync(bin, { recursive: true });
  writeFileSync(bin, 'in the way');
  const blocked = snapshot(relDir);
  await rejects(release({ root, releases }), 'assembly', /was left as it was/);
  assert.deepEqual(snapshot(relDir), blocked);
});

test('a file where otp release must make a folder (rel/, the root, its lib/ or releases/) is named with the fix; nothing changes, and once it is moved the release is written', async () => {
  const root = await shopProject(tempDir(), '0.1.0', 1);
  const relDir = join(root, '_build', 'prod', 'rel');
  for (const inTheWay of [relDir, join(relDir, 'shop'), join(relDir, 'shop', 'lib'), join(relDir, 'shop', 'releases')]) {
    rmSync(relDir, { recursive: true, force: true });
    mkdirSync(join(inTheWay, '..'), { recursive: true });
    writeFileSync(inTheWay, 'in the way');
    const escaped = inTheWay.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await rejects(release({ root, releases }), 'assembly', new RegExp(`failed: ${escaped} is a file where otp release must make a folder: move it away \\(or remove it\\) and run otp release again; .* was left as it was$`));
    assert.equal(readFileSync(inTheWay, 'utf8'), 'in the way', inTheWay);
    rmSync(inTheWay);
    await release({ root, releases });
    assert.ok(existsSync(join(relDir, 'shop', 'releases', 'RELEASES.json')), inTheWay);
  }
});

test("npm dependencies are copied, transitively, into the application version's own node_modules, and --include-node copies this Node.js", async () => {
  const base = tempDir();
  writeTree(base, {
    'node_modules/pad/package.json': JSON.stringify({ name: 'pad', version: '1.0.0', dependencies: { inner: '2.0.0' } }),
    'node_modules/pad/index.js': 'module.exports = 1;\n',
    'node_modules/inner/package.json': JSON.stringify({ name: 'inner', version: '2.0.0' }),
    'node_modules/inner/index.js': 'module.exports = 2;\n',
  });
  const root = await fixtureProject(join(base, 'proj'), '0.1.0', { shop: { vsn: '0.1.0', dependencies: { pad: '1.0.0' }, modules: { 'server.ts': sources.server(1) } } });
  const { plan } = await release({ root, includeNode: true });
  const rel = plan.root;
  assert.equal(readFileSync(join(rel, 'lib', 'shop-0.1.0', 'node_modules', 'pad', 'index.js'), 'utf8'), 'module.exports = 1;\n');
  assert.ok(existsSync(join(rel, 'lib', 'shop-0.1.0', 'node_modules', 'inner', 'package.json')));
  assert.ok(!existsSync(join(rel, 'node_modules', 'pad')), 'the root node_modules/ holds the runtime only');
  const node = spawnSync(join(rel, 'node', 'bin', 'node'), ['--version'], { encoding: 'utf8' });
  assert.equal(node.stdout.trim(), process.version);

  mkdirSync(join(root, 'apps', 'shop', 'node_modules'), { recursive: true });
  writeFileSync(join(root, 'apps', 'shop', 'package.json'), JSON.stringify({ name: 'shop', version: '0.1.0', otp: {}, dependencies: { missing: '1.0.0' } }));
  await rejects(planRelease({ root }), 'missingPackage', /package 'missing', a dependency of shop, is not installed: run npm install/);
});

test('a module importing an installed package its app does not list in dependencies (a devDependency) is refused: the release would boot in the project and fail deployed', async () => {
  const base = tempDir();
  writeTree(base, {
    'node_modules/pad/package.json': JSON.stringify({ name: 'pad', version: '1.0.0' }),
    'node_modules/pad/index.js': 'module.exports = 1;\n',
  });
  const uses = "import pad from 'pad';\nimport { readFileSync } from 'fs';\nexport const f = () => [pad, readFileSync];\n";
  const root = await fixtureProject(join(base, 'proj'), '0.1.0', { shop: { vsn: '0.1.0', modules: { 'uses.ts': uses, 'server.ts': sources.server(1) } } });
  const pkgFile = join(root, 'apps', 'shop', 'package.json');
  writeFileSync(pkgFile, JSON.stringify({ ...json<object>(pkgFile), devDependencies: { pad: '1.0.0' } }));
  await rejects(planRelease({ root }), 'missingPackage', /module shop\/uses imports 'pad', but shop's package\.json does not list 'pad' in "dependencies" \(it is in devDependencies\), so the release would not carry it: add it to "dependencies"/);
  writeFileSync(pkgFile, JSON.stringify({ ...json<object>(pkgFile), dependencies: { pad: '1.0.0' } }));
  const { plan } = await release({ root });
  assert.ok(existsSync(join(plan.root, 'lib', 'shop-0.1.0', 'node_modules', 'pad', 'index.js')));
});

test("a dependency's own optional dependencies are carried when installed (its code imports them) and skipped when not: the release's copy loads away from the project", async () => {
  const base = tempDir();
  writeTree(base, {
    'node_modules/pad/package.json': JSON.stringify({ name: 'pad', version: '1.0.0', optionalDependencies: { extra: '1.0.0', absent: '1.0.0' } }),
    'node_modules/pad/index.js': "let absent = 'no absent'; try { absent = require('absent'); } catch {}\nmodule.exports = `pad with ${require('extra')}, ${absent}`;\n",
    'node_modules/extra/package.json': JSON.stringify({ name: 'extra', version: '1.0.0', dependencies: { deep: '1.0.0' } }),
    'node_modules/extra/index.js': "module.exports = `extra and ${require('deep')}`;\n",
    'node_modules/deep/package.json': JSON.stringify({ name: 'deep', version: '1.0.0' }),
    'node_modules/deep/index.js': "module.exports = 'deep';\n",
  });
  const root = await fixtureProject(join(base, 'proj'), '0.1.0', { shop: { vsn: '0.1.0', dependencies: { pad: '1.0.0' }, modules: { 'server.ts': sources.server(1) } } });
  const { result } = await release({ root, tar: true });
  // Unpacked away from the project, whose node_modules/ Node.js would otherwise find by walking up.
  const out = tempDir();
  await extract({ file: result.tarball!.file, cwd: out });
  const pad = join(out, 'lib', 'shop-0.1.0', 'node_modules', 'pad');
  const loaded = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(pad)}))`], { encoding: 'utf8' });
  assert.equal(loaded.stdout, 'pad with extra and deep, no absent', loaded.stderr);
});

test('each application version carries the versions of the packages it resolves: two apps needing two versions of one package get each their own, and a conflicting transitive one is nested under its dependant', async () => {
  const base = tempDir();
  const pkg = (name: string, version: string, deps: Record<string, string> = {}) => ({ [`${name}/package.json`]: JSON.stringify({ name, version, dependencies: deps }), [`${name}/index.js`]: `module.exports = '${name} ${version}';\n` });
  const under = (prefix: string, files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([k, v]) => [`${prefix}/${k}`, v]));
  const root = await fixtureProject(join(base, 'proj'), '0.1.0', {
    shop: { vsn: '0.1.0', applications: ['core'], dependencies: { pad: '1.0.0', inner: '3.0.0' }, modules: { 'server.ts': sources.server(1) } },
    core: { vsn: '1.0.0', dependencies: { pad: '2.0.0' }, modules: { 'core.ts': sources.plain(1) } },
  }, {
    ...under('node_modules', { ...pkg('pad', '1.0.0', { inner: '2.0.0' }), ...pkg('inner', '2.0.0') }),
    ...under('apps/shop/node_modules', pkg('inner', '3.0.0')),
    ...under('apps/core/node_modules', pkg('pad', '2.0.0')),
  });
  const { plan } = await release({ root, releases });
  const read = (path: string) => readFileSync(join(plan.root, path), 'utf8');
  assert.equal(read('lib/shop-0.1.0/node_modules/pad/index.js'), "module.exports = 'pad 1.0.0';\n");
  assert.equal(read('lib/shop-0.1.0/node_modules/inner/index.js'), "module.exports = 'inner 3.0.0';\n");
  assert.equal(read('lib/shop-0.1.0/node_modules/pad/node_modules/inner/index.js'), "module.exports = 'inner 2.0.0';\n");
  assert.equal(read('lib/core-1.0.0/node_modules/pad/index.js'), "module.exports = 'pad 2.0.0';\n");
  assert.deepEqual(plan.warnings, []);
});

test('an application that changed but kept the version an installed release uses is refused', async () => {
  const root = await shopProject(tempDir(), '0.1.0', 1);
  await release({ root, releases });
  await fixtureProject(root, '0.2.0', { shop: { vsn: '0.2.0', applications: ['core'], modules: { 'server.ts': sources.server(2) } }, core: { vsn: '1.0.0', modules: { 'core.ts': sources.plain(2) } } });
  await rejects(planRelease({ root, releases }), 'sameVersion', /application core changed since release 0\.1\.0 but kept version 1\.0\.0, which that release uses: bump "version" in .*core\/package\.json/);
});

test('an installed version (permanent or old beside others) is not rebuilt with other code under the same versions; the sole first version and an unpacked one are', async () => {
  const root = await shopProject(tempDir(), '0.1.0', 1);
  await release({ root, releases });
  // The sole version of a root: rebuilt with other code, as while developing it.
  await shopProject(root, '0.1.0', 5);
  await release({ root, releases });
  await shopProject(root, '0.2.0', 2);
  const { plan } = await release({ root, releases, upgradeFrom: '0.1.0' });
  // An unpacked version not installed yet is rebuilt.
  await shopProject(root, '0.2.0', 3);
  await release({ root, releases, upgradeFrom: '0.1.0' });
  // As `upgrade 0.2.0` leaves the root: 0.2.0 permanent (a node runs it), 0.1.0 old.
  const file = join(plan.root, 'releases', 'RELEASES.json');
  const after = json<ReleasesFile>(file);
  writeFileSync(file, JSON.stringify({ ...after, releases: after.releases.map((r) => ({ ...r, status: r.vsn === '0.2.0' ? 'permanent' : 'old' })) }));
  const before = snapshot(plan.root);
  await shopProject(root, '0.2.0', 4);
  await rejects(planRelease({ root, releases, upgradeFrom: '0.1.0' }), 'sameVersion', /^application shop changed since release 0\.2\.0 \(permanent in .*rel\/shop\) but kept version 0\.2\.0, which that release uses: bump "version" in .*shop\/package\.json$/);
  assert.deepEqual(snapshot(plan.root), before);
  // The same code again is no change: a rerun of the build that made it still passes.
  await shopProject(root, '0.2.0', 3);
  await release({ root, releases, upgradeFrom: '0.1.0' });
});

test('an umbrella application bumped while its release was not is refused, naming the application, its two versions and where the release version is set', async () => {
  const pinned = (vsn: string) => ({ shop: { version: vsn, applications: ['shop'] } });
  const bumped = (root: string, vsn: string, n: number) => fixtureProject(root, '0.1.0', { shop: { vsn, applications: ['core'], modules: { 'server.ts': sources.server(n), 'shop_sup.ts': sources.sup(1) } }, core: { vsn: '1.0.0', modules: { 'core.ts': sources.plain(1) } } });
  const root = await shopProject(tempDir(), '0.1.0', 1);
  await release({ root, releases: pinned('0.1.0') });
  await bumped(root, '0.2.0', 2);
  await rejects(planRelease({ root, releases: pinned('0.1.0'), upgradeFrom: '0.1.0' }), 'sameVersion', /^application shop 0\.1\.0 → 0\.2\.0 but release shop is still 0\.1\.0 \(releases\.shop\.version in otp\.config\.ts\), so there is nothing to upgrade from 0\.1\.0 to: bump the release's version there too/);
  const { plan } = await release({ root, releases: pinned('0.2.0'), upgradeFrom: '0.1.0' });
  // As `upgrade 0.2.0` leaves the root; then shop goes to 0.3.0 and the release stays 0.2.0, which a node runs.
  const file = join(plan.root, 'releases', 'RELEASES.json');
  const after = json<ReleasesFile>(file);
  writeFileSync(file, JSON.stringify({ ...after, releases: after.releases.map((r) => ({ ...r, status: r.vsn === '0.2.0' ? 'permanent' : 'old' })) }));
  const before = snapshot(plan.root);
  await bumped(root, '0.3.0', 3);
  await rejects(planRelease({ root, releases: pinned('0.2.0') }), 'sameVersion', /^application shop 0\.2\.0 → 0\.3\.0 but release shop is still 0\.2\.0 \(releases\.shop\.version in otp\.config\.ts\), which is installed in this root \(permanent\) and does not change: bump/);
  assert.deepEqual(snapshot(plan.root), before);
});

test('an application whose npm packages changed but kept the version an installed release uses is refused, naming the package', async () => {
  const base = tempDir();
  const pad = (version: string) => ({ 'node_modules/pad/package.json': JSON.stringify({ name: 'pad', version }), 'node_modules/pad/index.js': `module.exports = '${version}';\n` });
  const app = (vsn: string) => ({ shop: { vsn, applications: ['core'], modules: { 'server.ts': sources.server(1) } }, core: { vsn: '1.0.0', dependencies: { pad: '1.0.0' }, modules: { 'core.ts': sources.plain(1) } } });
  const root = await fixtureProject(join(base, 'proj'), '0.1.0', app('0.1.0'), pad('1.0.0'));
  await release({ root, releases });
  await fixtureProject(root, '0.2.0', app('0.2.0'), pad('1.0.1'));
  await rejects(planRelease({ root, releases }), 'sameVersion', /application core changed its npm packages \(pad 1\.0\.0 → 1\.0\.1\) since release 0\.1\.0 but kept version 1\.0\.0, which that release uses: bump "version" in .*core\/package\.json/);
});

test('a corrupted tarball given to --upgrade-from is refused and nothing is written', async () => {
  const root = await shopProject(tempDir(), '0.1.0', 1);
  const tarball = join(root, 'old.tar.gz');
  writeFileSync(tarball, 'not a tarball at all');
  await rejects(planRelease({ root, releases, upgradeFrom: tarball }), 'badTarball', /old\.tar\.gz cannot be unpacked/);
  assert.ok(!existsSync(join(root, '_build', 'prod', 'rel')));
});

async function rejects(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ReleaseError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

test('the staging folder of an assembly that was killed part-way is removed by the next one; that of a running one stays', async () => {
  const root = await shopProject(tempDir(), '0.1.0', 1);
  const relDir = join(root, '_build', 'prod', 'rel');
  await release({ root, releases });
  // A process that has exited: its pid names no running process (until the OS reuses it, long after).
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const killed = join(relDir, `.shop-staging-${gone.stdout}-AbCdEf`);
  const running = join(relDir, `.shop-staging-${process.pid}-GhIjKl`);
  for (const dir of [killed, running]) writeTree(dir, { 'root/node/bin/node': 'a whole copy of Node.js' });
  const lines: string[] = [];
  await release({ root, releases }, (line) => void lines.push(line));
  assert.ok(lines.includes('removed 1 staging folder of an interrupted release'), lines.join('\n'));
  assert.equal(existsSync(killed), false);
  assert.equal(existsSync(running), true);
  assert.deepEqual(readdirSync(relDir).sort(), [`.shop-staging-${process.pid}-GhIjKl`, 'shop']);
});
