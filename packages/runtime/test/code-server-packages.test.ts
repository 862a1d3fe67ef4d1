// A module's npm packages are resolved from the module's own file, as Node.js resolves them: two versions
// of a module in two folders (a release's lib/<app>-<vsn>/) each get the package their folder holds,
// not whichever was imported first under that name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// A folder lib/app-<vsn>/ with node_modules/greet at `vsn`, and the module file that imports it.
function appVersion(base: string, vsn: string): string {
  const dir = join(base, 'lib', `app-${vsn}`);
  mkdirSync(join(dir, 'node_modules', 'greet'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'greet', 'package.json'), JSON.stringify({ name: 'greet', version: vsn, main: 'index.js' }));
  writeFileSync(join(dir, 'node_modules', 'greet', 'index.js'), `exports.greet = () => 'greet ${vsn}';\n`);
  return join(dir, 'hello.js');
}

test("two versions of a module in two application folders each get their own folder's version of an npm package, and the old one keeps its own", async () => {
  const base = mkdtempSync(join(tmpdir(), 'otp-packages-'));
  const source = (vsn: string) => ({ ...compileModule('app/hello', "import { greet } from 'greet';\nexport function hello(): string { return greet(); }\nexport const keep = () => greet();\n"), filename: appVersion(base, vsn) });
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(source('1.0.0'));
    const table = code.exportsOf('app/hello') as { hello: () => string; keep: () => string };
    const oldKeep = table.keep;
    assert.equal(table.hello(), 'greet 1.0.0');
    await code.load(source('2.0.0'));
    assert.equal(table.hello(), 'greet 2.0.0', 'the new version binds the package of its own folder');
    assert.equal(oldKeep(), 'greet 1.0.0', 'the old version keeps the package it bound');
  }).finally(() => rmSync(base, { recursive: true, force: true }));
});
