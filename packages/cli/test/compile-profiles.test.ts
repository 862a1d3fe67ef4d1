import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { providers, runCli } from '@otp-ts/cli';
import { captureIo, tempDir } from './helpers.ts';

const shop = fileURLToPath(new URL('../../../examples/shop', import.meta.url));

test("otp compile builds with the profile's options from otp.config.ts: outDir, target, source maps, minify", async () => {
  const root = tempDir('otp-compile-profile-');
  cpSync(shop, root, { recursive: true, filter: (src) => !src.includes('_build') });
  writeFileSync(join(root, 'src', 'modern.ts'), 'export const pick = (a: number | undefined, b: number) => a ?? b;\n');
  writeFileSync(
    join(root, 'otp.config.ts'),
    "import { defineConfig } from '@otp-ts/cli';\nexport default defineConfig({ build: { outDir: 'out' }, profiles: { test: { build: { target: 'es2019', sourceMaps: false } } } });\n",
  );
  const run = async (profile: string) => {
    const io = captureIo({ cwd: root });
    assert.equal(await runCli(['compile', '--profile', profile], providers, { version: '0.0.0' }, io), 0, io.err());
    return join(root, 'out', profile, 'lib', 'shop-0.1.0', 'src');
  };
  const prod = await run('prod');
  const dev = await run('dev');
  const testDir = await run('test');
  assert.ok(!existsSync(join(root, '_build')), 'outDir replaces _build');
  assert.ok(readFileSync(join(prod, 'cart_server.js'), 'utf8').length < readFileSync(join(dev, 'cart_server.js'), 'utf8').length * 0.8, 'prod is minified');
  assert.ok(existsSync(join(prod, 'cart_server.js.map')), 'prod keeps its source maps');
  assert.match(readFileSync(join(dev, 'modern.js'), 'utf8'), /\?\?/);
  assert.doesNotMatch(readFileSync(join(testDir, 'modern.js'), 'utf8'), /\?\?/, "the test profile's es2019 target");
  assert.ok(!existsSync(join(testDir, 'modern.js.map')), "the test profile's sourceMaps: false");
});
