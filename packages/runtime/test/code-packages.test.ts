import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// A project folder whose node_modules holds `packages` (package folder → { file → text }).
function projectWith(packages: Record<string, Record<string, string>>): string {
  const root = mkdtempSync(join(tmpdir(), 'otp-packages-'));
  for (const [pkg, files] of Object.entries(packages)) {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(root, 'node_modules', pkg, file, '..'), { recursive: true });
      writeFileSync(join(root, 'node_modules', pkg, file), text);
    }
  }
  return root;
}

test('a module imports packages as an ES module does: a builtin without node:, an ESM-only package exporting only import, its subpath pattern, and the ESM half of a dual package', async () => {
  const root = projectWith({
    'esm-only': {
      'package.json': JSON.stringify({ name: 'esm-only', version: '1.0.0', type: 'module', exports: { '.': { import: './index.js' }, './parts/*': { import: './lib/*.js' } } }),
      'index.js': "export const hello = () => 'esm hello';\n",
      'lib/extra.js': 'export const extra = 7;\n',
    },
    '@scope/dual': {
      'package.json': JSON.stringify({ name: '@scope/dual', version: '1.0.0', exports: { '.': [{ require: './index.cjs', import: './index.mjs' }, './index.cjs'] } }),
      'index.mjs': "export const kind = 'esm';\n",
      'index.cjs': "exports.kind = 'cjs';\n",
    },
  });
  try {
    await withNode(async (node) => {
      const code = codeServerFor(node);
      const source = compileModule(
        'app/uses',
        [
          "import { readFileSync } from 'fs';",
          "import path from 'path';",
          "import { hello } from 'esm-only';",
          "import { extra } from 'esm-only/parts/extra';",
          "import { kind } from '@scope/dual';",
          "export const all = () => [typeof readFileSync, path.basename('/a/b.txt'), hello(), extra, kind];",
        ].join('\n'),
      );
      await code.load({ ...source, filename: join(root, 'lib', 'app-0.1.0', 'src', 'uses.js') });
      const uses = code.exportsOf('app/uses') as { all: () => unknown[] };
      assert.deepEqual(uses.all(), ['function', 'b.txt', 'esm hello', 7, 'esm']);
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a package path its exports do not list is refused naming the module, the import and the package', async () => {
  const root = projectWith({ 'esm-only': { 'package.json': JSON.stringify({ name: 'esm-only', version: '1.0.0', type: 'module', exports: { '.': { import: './index.js' } } }), 'index.js': 'export const x = 1;\n' } });
  try {
    await withNode(async (node) => {
      const code = codeServerFor(node);
      const source = compileModule('app/bad', "import { x } from 'esm-only/hidden';\nexport const y = x;");
      await assert.rejects(code.load({ ...source, filename: join(root, 'src', 'bad.js') }), /module app\/bad imports 'esm-only\/hidden', which cannot be loaded: package esm-only exports no '\.\/hidden' for import/);
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
