import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { loadConfig, loadConfigFile, resolveConfig, validateConfig, OtpError } from '@otp-ts/cli';
import { tempDir, writeTree } from './helpers.ts';

const rejects = async (body: () => Promise<unknown>, code: string, message: RegExp) =>
  assert.rejects(body, (e: unknown) => {
    assert.ok(e instanceof OtpError, `an OtpError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });

test('a project without otp.config.ts loads an empty config, resolved to the defaults', async () => {
  const { config, file } = await loadConfig(tempDir());
  assert.deepEqual(config, {});
  assert.equal(file, undefined);
  const r = resolveConfig(config);
  assert.equal(r.profile, 'dev');
  assert.deepEqual(r.build, { outDir: '_build', target: 'node20', sourceMaps: true, minify: false });
  // Every default docs/cli.md's config table lists, from the test option table.
  assert.deepEqual(r.test, { paths: ['test'], reporters: ['tty'], numtests: 100, timeout: 5000, passWithNoTests: false, ignoreAutoSkips: false, jobs: availableParallelism(), keepLogs: 50 });
});

test('otp.config.ts is bundled with its imports, loaded through defineConfig, and leaves no temp file', async () => {
  const root = writeTree(tempDir(), {
    'otp.config.ts': "import { defineConfig } from '@otp-ts/cli';\nimport { timeout } from './shared.ts';\nexport default defineConfig({ test: { timeout }, releases: { shop: { applications: ['shop'] } } });\n",
    'shared.ts': 'export const timeout: number = 2500;\n',
  });
  const { config, file } = await loadConfig(root);
  assert.equal(file, join(root, 'otp.config.ts'));
  assert.deepEqual(config, { test: { timeout: 2500 }, releases: { shop: { applications: ['shop'] } } });
  assert.deepEqual(readdirSync(root).sort(), ['otp.config.ts', 'shared.ts']);
});

test('profiles override the top-level options; prod minifies; an unknown profile is a usage error', () => {
  const config = { build: { target: 'node22' }, test: { timeout: 100 }, profiles: { test: { test: { timeout: 9000 } }, ci: { env: { shop: { port: 1 } } } } };
  assert.equal(resolveConfig(config, 'test').test.timeout, 9000);
  assert.equal(resolveConfig(config, 'dev').test.timeout, 100);
  assert.deepEqual(resolveConfig(config, 'prod').build, { outDir: '_build', target: 'node22', sourceMaps: true, minify: true });
  assert.deepEqual(resolveConfig(config, 'ci').env, { shop: { port: 1 } });
  assert.throws(() => resolveConfig(config, 'prd'), { code: 'usage', message: "unknown profile 'prd' (did you mean 'prod'?): use dev, test, prod, ci or declare it under 'profiles' in otp.config.ts" });
});

test('a config that does not compile names the file, line and column', async () => {
  const root = writeTree(tempDir(), { 'otp.config.ts': 'export default {\n  test: { timeout: 5 \n' });
  await rejects(() => loadConfig(root), 'badConfig', /^otp\.config\.ts does not compile: /);
  const error = await loadConfig(root).catch((e: OtpError) => e);
  assert.equal((error as OtpError).location?.file, join(root, 'otp.config.ts'));
  assert.equal((error as OtpError).location?.line, 3);
});

test('a bad value in otp.config.ts is placed at the line and column its key is written on (a missing key at its parent)', async () => {
  const source = [
    "import { defineConfig } from '@otp-ts/cli';",
    'export default defineConfig({',
    '  test: { timeout: 2500 },',
    '  releases: {',
    "    shop: { applications: ['shop'] },",
    "    'kiosk': {",
    "      version: '1.0.0',",
    '      includeNode: 1,',
    '    },',
    '  },',
    '});',
    '',
  ].join('\n');
  const place = async (text: string) => {
    const root = writeTree(tempDir(), { 'otp.config.ts': text });
    const error = (await loadConfig(root).catch((e: unknown) => e)) as OtpError;
    assert.ok(error instanceof OtpError && error.code === 'badConfig', String(error));
    assert.equal(error.location?.file, join(root, 'otp.config.ts'));
    return [error.message, error.location?.line, error.location?.column];
  };
  assert.deepEqual(await place(source.replace('includeNode: 1', 'includeNode: true')), ["otp.config.ts: 'releases.kiosk.applications' is missing: it must be an array of names", 6, 5]);
  assert.deepEqual(await place(source.replace("version: '1.0.0',", "version: '1.0.0', applications: [],")), ["otp.config.ts: 'releases.kiosk.includeNode' must be true or false, got 1", 8, 7]);
  // A key the code builds at run time is not in the text: its parent's line, the nearest one written.
  assert.deepEqual(await place("const k = 'tim' + 'eout';\nexport default { test: { [k]: -1 } };\n").then(([, line]) => line), 2);
});

test('a config that throws, or has no default export, says so', async () => {
  const dir = tempDir();
  const throwing = writeTree(dir, { 'a/otp.config.ts': "throw new Error('boom');\nexport default {};\n" });
  await rejects(() => loadConfigFile(join(throwing, 'a/otp.config.ts')), 'badConfig', /^otp\.config\.ts threw while loading: boom: fix the code it runs as it loads$/);
  // A package it imports that is not installed: named, with the fix, and not the name of the bundled copy.
  writeTree(dir, { 'c/otp.config.ts': "import extra from 'otp-ts-no-such-package';\nexport default { releases: extra };\n" });
  await rejects(() => loadConfigFile(join(dir, 'c/otp.config.ts')), 'badConfig', /^otp\.config\.ts imports 'otp-ts-no-such-package', which is not installed: run npm install \(npm install --save-dev otp-ts-no-such-package if package\.json lacks it\), or remove the import$/);
  assert.deepEqual(readdirSync(join(dir, 'c')), ['otp.config.ts']);
  writeTree(dir, { 'b/otp.config.ts': 'export const config = {};\n' });
  await rejects(() => loadConfigFile(join(dir, 'b/otp.config.ts')), 'badConfig', /^otp\.config\.ts has no default export: write `export default defineConfig\(\{ \.\.\. \}\)`$/);
  assert.deepEqual(readdirSync(join(dir, 'a')), ['otp.config.ts']);
});

test('a bad value names the file, the key, the value and what is expected', async () => {
  const root = writeTree(tempDir(), { 'otp.config.ts': "export default { test: { timeout: '5s' } };\n" });
  await rejects(() => loadConfig(root), 'badConfig', /^otp\.config\.ts: 'test\.timeout' must be a whole number of milliseconds above 0, got "5s"$/);
});

const cases: Array<[unknown, string]> = [
  [42, 'the default export must be an object: export default defineConfig({ ... }), got 42'],
  [{ tests: {} }, "unknown key 'tests' (did you mean 'test'?); the config takes releases, profiles, build, test"],
  [{ build: { minfy: true } }, "unknown key 'build.minfy' (did you mean 'minify'?); 'build' takes outDir, target, sourceMaps, minify"],
  [{ build: { sourceMaps: 'yes' } }, `'build.sourceMaps' must be true or false, got "yes"`],
  [{ build: { target: 20 } }, "'build.target' must be an esbuild target, e.g. 'node20' or 'es2022', got 20"],
  [{ build: { target: 'banana' } }, `'build.target' must be an esbuild target, e.g. 'node20' or 'es2022', got "banana"`],
  [{ build: { outDir: '' } }, `'build.outDir' must be a folder of its own under the project root, e.g. '_build' (not src, test, apps, config, priv, node_modules), got ""`],
  [{ build: { outDir: '.' } }, `'build.outDir' must be a folder of its own under the project root, e.g. '_build' (not src, test, apps, config, priv, node_modules), got "."`],
  [{ build: { outDir: '/' } }, `'build.outDir' must be a folder of its own under the project root, e.g. '_build' (not src, test, apps, config, priv, node_modules), got "/"`],
  [{ profiles: { prod: { build: { outDir: 'a/../../b' } } } }, `'profiles.prod.build.outDir' must be a folder of its own under the project root, e.g. '_build' (not src, test, apps, config, priv, node_modules), got "a/../../b"`],
  // The project's own folders: compiled output in src/ would be read back as sources by the next compile.
  [{ build: { outDir: 'src' } }, `'build.outDir' must be a folder of its own under the project root, e.g. '_build' (not src, test, apps, config, priv, node_modules), got "src"`],
  [{ build: { outDir: './test/out' } }, `'build.outDir' must be a folder of its own under the project root, e.g. '_build' (not src, test, apps, config, priv, node_modules), got "./test/out"`],
  [Promise.resolve({ build: {} }), 'the default export must be an object: export default defineConfig({ ... }), got a promise (export the object itself)'],
  [{ releases: [] }, "'releases' must be an object of releases by name, got []"],
  [{ releases: { shop: {} } }, "'releases.shop.applications' is missing: it must be an array of names"],
  [{ releases: { shop: { applications: 'shop' } } }, `'releases.shop.applications' must be an array of names, got "shop"`],
  [{ releases: { shop: { applications: ['shop', 3] } } }, "'releases.shop.applications[1]' must be a name, got 3"],
  [{ releases: { shop: { applications: [], includeNode: 1 } } }, "'releases.shop.includeNode' must be true or false, got 1"],
  [{ profiles: { prod: { env: { shop: 5 } } } }, "'profiles.prod.env.shop' must be an object of settings, got 5"],
  [{ profiles: { prod: { minify: true } } }, "unknown key 'profiles.prod.minify'; 'profiles.prod' takes build, test, env"],
  [{ test: { numtests: 0 } }, "'test.numtests' must be a whole number above 0, got 0"],
  [{ test: { jobs: 1.5 } }, "'test.jobs' must be a whole number above 0, got 1.5"],
  [{ test: { keepLogs: 0 } }, "'test.keepLogs' must be a whole number of runs above 0, got 0"],
  [{ test: { keepLogs: 'all' } }, `'test.keepLogs' must be a whole number of runs above 0, got "all"`],
  [{ test: { paths: 'test' } }, `'test.paths' must be an array of paths, got "test"`],
  [{ test: { cover: { lines: 120 } } }, "'test.cover.lines' must be a percentage from 0 to 100, got 120"],
  [{ test: { timeout: () => 1 } }, "'test.timeout' must be a whole number of milliseconds above 0, got a function"],
];

test('every config validation message', () => {
  for (const [value, message] of cases) {
    assert.throws(
      () => validateConfig(value, '/p/otp.config.ts'),
      (e: unknown) => {
        assert.ok(e instanceof OtpError);
        assert.equal(e.message, `otp.config.ts: ${message}`);
        assert.deepEqual(e.location, { file: '/p/otp.config.ts' });
        assert.equal(e.exitCode, 2);
        return true;
      },
      JSON.stringify(value),
    );
  }
});

test('a full config is accepted as it is', () => {
  const config = {
    releases: { shop: { version: '1.0.0', applications: ['shop'], includeNode: true } },
    profiles: { prod: { build: { minify: true }, env: { shop: { port: 80, hosts: ['a'] } } }, test: { test: { timeout: 1 } } },
    build: { outDir: 'out', target: 'node22', sourceMaps: false, minify: false },
    test: { paths: ['test'], timeout: 10, numtests: 5, jobs: 2, keepLogs: 10, cover: { lines: 80, functions: 0 } },
  };
  assert.equal(validateConfig(config, 'otp.config.ts'), config);
});
