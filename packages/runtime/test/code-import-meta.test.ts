// A loaded module's import.meta holds its file's URL, name and folder, read when the module names it (the compiler writes
// `import.meta` as IMPORT_META); a module that does not name it loads and upgrades alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import { IMPORT_META } from '@otp-ts/runtime/tools';
import { withNode, codeServerFor } from './helpers.ts';

// Written so, not as one word: the test runner's bundler points each `import.meta.url` of a test file's own text at the
// file, strings included.
const META = ['import', 'meta'].join('.');

const compile = (name: string, ts: string, vsn: string) => ({
  name,
  code: transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20', define: { 'import.meta': IMPORT_META } }).code,
  filename: `/srv/app/${name}.ts`,
  vsn,
});

test('import.meta gives a loaded module its file URL, filename and dirname, in each version', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compile('app/where', `export const where = () => [${META}.url, ${META}.filename, ${META}.dirname];`, '1'));
    const expected = [pathToFileURL('/srv/app/app/where.ts').href, '/srv/app/app/where.ts', '/srv/app/app'];
    assert.deepEqual((code.exportsOf('app/where').where as () => string[])(), expected);
    await code.load(compile('app/where', `export const where = () => ['v2', ${META}.url];`, '2'));
    assert.deepEqual((code.exportsOf('app/where').where as () => string[])(), ['v2', expected[0]]);
    await code.load(compile('app/where', `export const where = () => ['v3'];`, '3'));
    assert.deepEqual((code.exportsOf('app/where').where as () => string[])(), ['v3']);
  });
});
