import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCopy, runFixture, removeCopy } from './helpers.ts';

// A source a suite imports imports a package that is not installed: the failure names that source and line and
// says how to install it, not the bundle under _build/ that Node's own message names. (The files are written
// here, so the repository's type check never reads an import of a package that does not exist.)
const root = fixtureCopy('load-failures');
mkdirSync(join(root, 'src'), { recursive: true });
writeFileSync(join(root, 'src', 'shop.ts'), "// The shop.\nimport { thing } from 'otp-qa-never-installed/sub';\nexport const use = (): unknown => thing;\n");
writeFileSync(join(root, 'test', 'shop.suite.ts'), "import { use } from '../src/shop.ts';\nexport const all = () => ['a'];\nexport function a() { use(); }\n");
const run = await runFixture('load-failures', { reporters: ['tty'], paths: ['test/shop.suite.ts'] }, root);
after(() => removeCopy(root));

test('a package not installed is named with the source and line importing it, and the fix', () => {
  const c = run.result.files[0]!.cases[0]!;
  assert.equal(c.status, 'failed');
  assert.equal(c.failure!.text, "test/shop.suite.ts could not be loaded: src/shop.ts:2 imports 'otp-qa-never-installed', which is not installed: run npm install if package.json lists it, else add it with npm install otp-qa-never-installed");
  assert.ok(!run.text.includes('_build/test/bundles'), run.text);
});
