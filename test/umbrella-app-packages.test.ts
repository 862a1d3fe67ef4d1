// An umbrella's app with a package in its own node_modules/ (where npm puts a version that conflicts with the
// root's): its modules get that version, as Node.js and tsc resolve it from the app's sources, not the root's.
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';
import { run } from './support/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const NAME = 'umbpk';
const epmdPort = await privatePortMapper();
const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'umbpk_cookie', NO_COLOR: '1' };

// A package `padder` of `version` in `nodeModules`.
function padder(nodeModules: string, version: string): void {
  mkdirSync(join(nodeModules, 'padder'), { recursive: true });
  writeFileSync(join(nodeModules, 'padder', 'package.json'), JSON.stringify({ name: 'padder', version, type: 'module', exports: './index.js' }));
  writeFileSync(join(nodeModules, 'padder', 'index.js'), `export const version = '${version}';\n`);
}

// An umbrella whose app has padder 2.0.0 in its own node_modules/ and the root padder 1.0.0.
function umbrella(base: string): string {
  const created = spawnSync(process.execPath, [bin, 'new', 'umbrella', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
  assert.equal(created.status, 0, created.stderr);
  const root = join(base, NAME);
  padder(join(root, 'node_modules'), '1.0.0');
  padder(join(root, 'apps', NAME, 'node_modules'), '2.0.0');
  writeFileSync(join(root, 'apps', NAME, 'src', 'uses_pad.ts'), "// @ts-ignore a package without types\nimport { version } from 'padder';\nexport const padVersion = (): string => `padder ${version}`;\n");
  return root;
}

test("otp shell: an umbrella app's module gets the package version of the app's own node_modules/, at boot and after c()", { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  try {
    const root = umbrella(base);
    const file = join(root, 'apps', NAME, 'src', 'uses_pad.ts');
    const edit = `require('node:fs').writeFileSync(${JSON.stringify(file)}, require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8').replace('padder \${version}', 'edited padder \${version}'))`;
    const lines = [`mod('${NAME}/uses_pad').padVersion()`, edit, 'await c()', `mod('${NAME}/uses_pad').padVersion()`];
    const shell = await run(process.execPath, [bin, 'shell'], root, env, `${lines.join('\n')}\n`);
    assert.equal(shell.status, 0, shell.out);
    assert.match(readFileSync(file, 'utf8'), /edited padder/, 'the edit applied');
    assert.match(shell.out, /otp> 'padder 2\.0\.0'\n/, shell.out);
    assert.match(shell.out, /'edited padder 2\.0\.0'\n/, shell.out);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("otp test: an umbrella app's module gets the package version of the app's own node_modules/, and one only there is found", { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  try {
    const root = umbrella(base);
    const app = join(root, 'apps', NAME);
    mkdirSync(join(app, 'node_modules', 'only_here'), { recursive: true });
    writeFileSync(join(app, 'node_modules', 'only_here', 'package.json'), JSON.stringify({ name: 'only_here', version: '1.0.0', type: 'module', exports: './index.js' }));
    writeFileSync(join(app, 'node_modules', 'only_here', 'index.js'), "export const here = 'only here';\n");
    writeFileSync(join(app, 'test', 'pad.test.ts'), [
      "import { assertEqual } from '@otp-ts/test-runner/assert';",
      "import { padVersion } from '../src/uses_pad.ts';",
      '// @ts-ignore a package without types',
      "import { here } from 'only_here';",
      "export function appPackageTest() { assertEqual(padVersion(), 'padder 2.0.0'); }",
      "export function appOnlyPackageTest() { assertEqual(here, 'only here'); }",
      '',
    ].join('\n'));
    const tested = await run(process.execPath, [bin, 'test', `apps/${NAME}/test/pad.test.ts`], root, env, '');
    assert.equal(tested.status, 0, tested.out);
    assert.match(tested.out, /2 passed, 0 failed/, tested.out);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
