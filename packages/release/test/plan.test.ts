import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { nextReleases, parseSysConfig, planRelease, ReleaseError, releaseNodeArgs, startOrder } from '@otp-ts/release';
import { fixtureProject, sources, tempDir } from './helpers.ts';

const rejects = async (promise: Promise<unknown>, code: string, message: RegExp): Promise<void> => {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ReleaseError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
};

test('applications start after their dependencies, transitively; an unknown one names the closest and a circle is refused', () => {
  const known = new Map([
    ['web', { applications: ['store', 'logs'] }],
    ['store', { applications: ['logs'] }],
    ['logs', { applications: [] }],
    ['loop', { applications: ['loop2'] }],
    ['loop2', { applications: ['loop'] }],
  ]);
  assert.deepEqual(startOrder(['web'], known, 'otp.config.ts'), ['logs', 'store', 'web']);
  assert.deepEqual(startOrder(['store', 'web'], known, 'otp.config.ts'), ['logs', 'store', 'web']);
  assert.throws(() => startOrder(['wbe'], known, 'otp.config.ts'), /the release names application 'wbe', which the project does not have \(did you mean 'web'\?\): fix the release in otp.config.ts/);
  assert.throws(() => startOrder(['loop'], known, 'otp.config.ts'), /in a circle \(loop → loop2 → loop\)/);
  // Erlang's kernel and stdlib, listed as an .app file lists them: the message says the runtime stands for them.
  const erlangStyle = new Map([['shop', { applications: ['kernel', 'stdlib'], file: 'package.json' }]]);
  assert.throws(() => startOrder(['shop'], erlangStyle, 'otp.config.ts'), /^ReleaseError: application shop depends on 'kernel', an Erlang\/OTP base application that otp-ts has no application for \(@otp-ts\/runtime is always there\): remove 'kernel' from otp.applications in package.json$/);
});

test('sys.config.json must be an object of per-application objects; the error names the file and the key', () => {
  assert.deepEqual(parseSysConfig('{ "shop": { "port": "${PORT:-80}" } }', 'config/sys.config.json'), { shop: { port: '${PORT:-80}' } });
  assert.deepEqual(parseSysConfig(undefined, 'config/sys.config.json'), {}, 'a project without one (a library) releases with none');
  assert.deepEqual(parseSysConfig('\uFEFF{ "shop": { "port": 80 } }\r\n', 'config/sys.config.json'), { shop: { port: 80 } }, 'a byte-order mark (a Windows editor) is read past, as Node.js and npm do');
  assert.throws(() => parseSysConfig(' \n', 'config/sys.config.json'), /config\/sys.config.json is empty: write \{\}/);
  assert.throws(() => parseSysConfig('{ "shop": ', 'config/sys.config.json'), /config\/sys.config.json is not valid JSON/);
  assert.throws(() => parseSysConfig('[1]', 'config/sys.config.json'), /must be a JSON object of applications/);
  assert.throws(() => parseSysConfig('{ "shop": 8080 }', 'config/sys.config.json'), /'shop' must be an object of settings for application shop/);
});

test("settings for an application the project lacks (a misspelt name) stop the plan, naming the closest; another release's application may keep its settings", async () => {
  const root = await fixtureProject(tempDir(), '1.0.0', {
    myapp: { vsn: '0.1.0', modules: { 'myapp.ts': sources.plain(1) } },
    tools: { vsn: '0.1.0', modules: { 'tools.ts': sources.plain(1) } },
  });
  const releases = { shop: { applications: ['myapp'] } };
  writeFileSync(join(root, 'config', 'sys.config.json'), JSON.stringify({ myap: { port: 8080 } }));
  await rejects(planRelease({ root, releases }), 'unknownApp', /^config\/sys\.config\.json has settings for application 'myap', which the project does not have \(did you mean 'myapp'\?\): rename or remove that key \(the project's applications: myapp, tools\)$/);
  writeFileSync(join(root, 'config', 'sys.config.json'), JSON.stringify({ myapp: { port: 8080 }, tools: { verbose: true } }));
  assert.deepEqual((await planRelease({ root, releases })).sysConfig, { myapp: { port: 8080 }, tools: { verbose: true } }, 'tools is the project\'s, only not in this release');
  // The npm package name is not the application's name: the one meant is named.
  const npmNamed = await fixtureProject(tempDir(), '1.0.0', { my_app: { vsn: '0.1.0', modules: { 'a.ts': sources.plain(1) } } });
  writeFileSync(join(npmNamed, 'config', 'sys.config.json'), JSON.stringify({ '@acme/my-app': { port: 8080 } }));
  await rejects(planRelease({ root: npmNamed, releases: { r: { applications: ['my_app'] } } }), 'unknownApp', /^config\/sys\.config\.json has settings for application '@acme\/my-app', which the project does not have \(did you mean 'my_app'\?\)/);
  await rejects(planRelease({ root, releases, env: { MyApp: { port: 80 } } }), 'unknownApp', /^the env of otp\.config\.ts \(profile prod\) has settings for application 'MyApp', which the project does not have \(did you mean 'myapp'\?\)/);
});

test('node.args gets a name and a cookie when it has none: the earlier version\'s cookie first, else a fresh one', () => {
  assert.deepEqual(releaseNodeArgs('--enable-source-maps\n', 'shop', { fresh: 'FRESH' }), { text: '--enable-source-maps\n--setcookie FRESH\n--name shop@127.0.0.1\n', cookieSource: 'generated' });
  assert.deepEqual(releaseNodeArgs(undefined, 'shop', { earlier: 'OLD', fresh: 'FRESH' }), { text: '--setcookie OLD\n--name shop@127.0.0.1\n', cookieSource: 'earlier' });
  const own = '# the node\n--sname shop\n--cookie=SECRET\n';
  assert.deepEqual(releaseNodeArgs(own, 'shop', { earlier: 'OLD', fresh: 'FRESH' }), { text: own, cookieSource: 'node.args' });
});

test('RELEASES.json: the first version is permanent, later ones unpacked, a rebuilt one keeps its place and status', () => {
  const apps = [{ name: 'shop', vsn: '0.1.0' }];
  const first = nextReleases(undefined, 'shop', '0.1.0', apps);
  assert.deepEqual(first.releases.map((r) => [r.vsn, r.status]), [['0.1.0', 'permanent']]);
  const second = nextReleases(first, 'shop', '0.2.0', apps);
  assert.deepEqual(second.releases.map((r) => [r.vsn, r.status]), [['0.1.0', 'permanent'], ['0.2.0', 'unpacked']]);
  assert.deepEqual(nextReleases(second, 'shop', '0.1.0', []).releases.map((r) => [r.vsn, r.status, r.applications.length]), [['0.1.0', 'permanent', 0], ['0.2.0', 'unpacked', 1]]);
  const none = { name: 'shop', releases: [{ vsn: '0.1.0', status: 'old' as const, applications: apps }] };
  assert.equal(nextReleases(none, 'shop', '0.2.0', apps).releases[1]!.status, 'permanent');
});

test('a plan: the config\'s release with its dependencies in start order, versions, files and release files, nothing written', async () => {
  const root = await fixtureProject(tempDir(), '1.2.0', {
    web: { vsn: '0.3.0', applications: ['store'], modules: { 'web.ts': sources.server(1) } },
    store: { vsn: '0.2.0', modules: { 'store.ts': sources.plain(1) } },
    tools: { vsn: '0.1.0', modules: { 'tools.ts': sources.plain(1) } },
  });
  const plan = await planRelease({ root, releases: { shop: { applications: ['web'] } } });
  assert.deepEqual([plan.name, plan.vsn, plan.profile, plan.root], ['shop', '1.2.0', 'prod', join(root, '_build', 'prod', 'rel', 'shop')]);
  assert.deepEqual(plan.release.applications, [{ name: 'store', vsn: '0.2.0' }, { name: 'web', vsn: '0.3.0' }]);
  assert.deepEqual(plan.releases.releases.map((r) => [r.vsn, r.status]), [['1.2.0', 'permanent']]);
  assert.match(plan.nodeArgs, /^--setcookie [0-9a-f]{32}\n--name shop@127\.0\.0\.1\n$/);
  const paths = plan.files.map((f) => f.path);
  for (const p of ['lib/store-0.2.0/app.json', 'lib/web-0.3.0/src/web.js', 'releases/1.2.0/release.json', 'releases/1.2.0/sys.config.json', 'releases/1.2.0/node.args', 'releases/RELEASES.json', 'bin/shop', 'bin/shop.mjs', 'node_modules/@otp-ts/runtime/package.json', 'node_modules/@otp-ts/runtime/dist/index.js']) {
    assert.ok(paths.includes(p), p);
  }
  assert.ok(!paths.some((p) => p.startsWith('lib/tools') || p.endsWith('.hashes.json') || p.startsWith('node_modules/@otp-ts/runtime/src')));
  // The runtime's entries share chunks (dist/chunks/): without them the release's node cannot load the runtime.
  assert.ok(paths.some((p) => /^node_modules\/@otp-ts\/runtime\/dist\/chunks\/.+\.js$/.test(p)), 'the runtime\'s shared chunks');
  assert.ok(!paths.some((p) => p.endsWith('.d.ts')), 'no declarations');
  assert.equal(plan.files.find((f) => f.path === 'bin/shop')!.mode, 0o755);
  assert.ok(!existsSync(join(root, '_build', 'prod', 'rel')), 'planning writes nothing');

  // The profile's env of otp.config.ts goes over config/sys.config.json, one application key at a time.
  writeFileSync(join(root, 'config', 'sys.config.json'), JSON.stringify({ web: { port: 8080, host: '127.0.0.1' } }));
  const withEnv = await planRelease({ root, releases: { shop: { applications: ['web'] } }, env: { web: { port: 80 }, store: { cache: true } } });
  assert.deepEqual(withEnv.sysConfig, { web: { port: 80, host: '127.0.0.1' }, store: { cache: true } });
  assert.deepEqual(JSON.parse(withEnv.files.find((f) => f.path === 'releases/1.2.0/sys.config.json')!.content as string), withEnv.sysConfig);

  const all = await planRelease({ root, releases: {} });
  assert.deepEqual([all.name, all.release.applications.map((a) => a.name)], ['fixture', ['store', 'tools', 'web']]);
});

test('bad inputs to a plan are ReleaseErrors naming the file and the fix', async () => {
  const root = await fixtureProject(tempDir(), '1.0.0', { web: { vsn: '0.1.0', modules: { 'web.ts': sources.plain(1) } } });
  await rejects(planRelease({ root, releases: { shop: { applications: ['wbe'] } } }), 'unknownApp', /'wbe'.*\(did you mean 'web'\?\)/);
  await rejects(planRelease({ root, releases: { shop: { applications: ['web'] } }, name: 'shpo' }), 'unknownRelease', /no release 'shpo' \(did you mean 'shop'\?\)/);
  // An empty list would build (and replace a version with) a release that boots a node running nothing.
  await rejects(planRelease({ root, releases: { shop: { applications: [] } } }), 'unknownApp', /^release shop 1\.0\.0 has no applications: list the ones it runs in otp\.config\.ts, releases: \{ shop: \{ applications: \['web'\] \} \}$/);
  await rejects(planRelease({ root, profile: 'dev' }), 'notCompiled', /application web has no compiled output in _build\/dev\/lib\/web-0.1.0: run otp compile --profile dev first/);
  writeFileSync(join(root, 'config', 'sys.config.json'), '{ "web": [] }');
  await rejects(planRelease({ root }), 'badSysConfig', /sys.config.json: 'web' must be an object of settings/);
  writeFileSync(join(root, 'config', 'sys.config.json'), '{ "web": { "port": 80 }');
  await rejects(planRelease({ root }), 'badSysConfig', /sys.config.json is not valid JSON/);
  rmSync(join(root, 'config', 'sys.config.json'));
  assert.deepEqual((await planRelease({ root })).sysConfig, {});
});

test('a plan over the installing.json a node killed mid-install left (its pid since reused) removes it with a warning; a live install\'s mark refuses', { skip: !existsSync('/proc/self/stat') && 'no /proc here' }, async () => {
  const root = await fixtureProject(tempDir(), '1.0.0', { web: { vsn: '0.1.0', modules: { 'web.ts': sources.plain(1) } } });
  const releases = join(root, '_build', 'prod', 'rel', 'shop', 'releases');
  mkdirSync(releases, { recursive: true });
  const started = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19];
  writeFileSync(join(releases, 'installing.json'), JSON.stringify({ pid: process.pid, started, from: '0.9.0', to: '1.0.0' }));
  await rejects(planRelease({ root, releases: { shop: { applications: ['web'] } } }), 'installing', /^release shop 1\.0\.0 is being installed on its running node \(over 0\.9\.0, os pid \d+\).*\(if versions shows none, remove .*installing\.json\)$/);
  writeFileSync(join(releases, 'installing.json'), JSON.stringify({ pid: process.pid, started: '1', from: '0.9.0', to: '1.0.0' }));
  const plan = await planRelease({ root, releases: { shop: { applications: ['web'] } } });
  assert.deepEqual(plan.warnings.filter((w) => w.includes('installing.json')).length, 1);
  assert.equal(existsSync(join(releases, 'installing.json')), false);
});

test('parseSysConfig: JSON that does not parse is named with its line and column, as an editor counts them', () => {
  assert.throws(() => parseSysConfig('{\n  "shop": { "port": 80 },\n}\n', 'config/sys.config.json'), (error: Error) => {
    assert.match(error.message, /^config\/sys\.config\.json is not valid JSON at line 3, column 1 \(.*\): fix it, it must be an object like /);
    return true;
  });
});
