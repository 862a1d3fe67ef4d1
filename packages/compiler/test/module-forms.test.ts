import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile, type CompileError } from '@otp-ts/compiler';
import { codeServerOf, createNode } from '@otp-ts/runtime';
import { loadBuiltApplication, readBuiltModules } from '@otp-ts/runtime/tools';

// A one-application project whose src/ holds `files` (path under the project → text).
function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'otp-forms-'));
  const all: Record<string, string> = { 'package.json': JSON.stringify({ name: 'forms', version: '0.1.0', type: 'module', otp: {} }), ...files };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

// Compiles the project, loads it into a fresh node's code server and hands `use` the export table of `module`.
async function withModule<T>(root: string, module: string, use: (table: Record<string, unknown>, dir: string) => T): Promise<T> {
  const node = createNode();
  try {
    const [built] = await compile({ root });
    const code = codeServerOf(node);
    await loadBuiltApplication(code, built!.dir);
    return use(code.exportsOf(module), built!.dir);
  } finally {
    node.shutdown();
  }
}

test("import.meta in an application module is its compiled file's url, filename and dirname: a module reads priv/ beside the build, as in a release", async () => {
  const root = project({
    'priv/greeting.txt': 'hello from priv',
    'src/deep/reader.ts': [
      "import { readFileSync } from 'node:fs';",
      "import { join } from 'node:path';",
      "export const greeting = (): string => readFileSync(join(import.meta.dirname, '..', '..', 'priv', 'greeting.txt'), 'utf8');",
      'export const meta = (): unknown => ({ url: import.meta.url, filename: import.meta.filename, dirname: import.meta.dirname });',
      '',
    ].join('\n'),
  });
  try {
    await withModule(root, 'forms/deep/reader', (table, dir) => {
      const file = join(dir, 'src', 'deep', 'reader.js');
      assert.deepEqual((table.meta as () => unknown)(), { url: pathToFileURL(file).href, filename: file, dirname: join(dir, 'src', 'deep') });
      assert.equal((table.greeting as () => string)(), 'hello from priv');
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a JSON import (`with { type: "json" }`) loads in the code server: its default is the parsed file, and a new version of the file reaches the importer', async () => {
  const root = project({
    'src/conf/limits.json': '{ "max": 3, "names": ["a"] }',
    'src/use.ts': [
      "import limits from './conf/limits.json' with { type: 'json' };",
      "import * as whole from './conf/limits.json' with { type: 'json' };",
      'export const max = (): number => limits.max;',
      'export const names = (): string[] => whole.default.names;',
      '',
    ].join('\n'),
  });
  const node = createNode();
  try {
    const [built] = await compile({ root });
    const code = codeServerOf(node);
    await loadBuiltApplication(code, built!.dir);
    const use = code.exportsOf('forms/use') as { max: () => number; names: () => string[] };
    assert.equal(use.max(), 3);
    assert.deepEqual(use.names(), ['a']);
    writeFileSync(join(root, 'src/conf/limits.json'), '{ "max": 5, "names": ["a", "b"] }');
    const [again] = await compile({ root });
    assert.deepEqual(again!.compiled, ['src/conf/limits.json']);
    const { sources } = await readBuiltModules(built!.dir);
    await code.load(sources.find((s) => s.name === 'forms/conf/limits.json')!);
    assert.equal(use.max(), 5);
    assert.deepEqual(use.names(), ['a', 'b']);
  } finally {
    node.shutdown();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a JSON file under src/ that is no JSON is refused naming the file', async () => {
  const root = project({ 'src/bad.json': '{ "max": 3, }', 'src/ok.ts': 'export const x = 1;\n' });
  try {
    await assert.rejects(compile({ root }), (error: CompileError) => {
      const d = error.diagnostics[0]!;
      return /src\/bad\.json is a JSON module of forms \(a \.json file under src\/\) but holds no valid JSON/.test(d.text) && d.location!.file === join(root, 'src', 'bad.json');
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a folder's index import and a tsconfig paths alias load in the code server as in otp test", async () => {
  const root = project({
    // tsconfig.json is JSON with comments; its paths are relative to baseUrl.
    'tsconfig.json': '{\n  // aliases\n  "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["src/lib/*"], "#config": ["./src/config.ts"] }, },\n}\n',
    'src/lib/math.ts': 'export const twice = (n: number): number => n * 2;\n',
    'src/util/index.ts': "export { twice as double } from '../lib/math.ts';\n",
    'src/config.ts': 'export const factor = 3;\n',
    'src/deep/use.ts': [
      "import { twice } from '@lib/math';",
      "import { factor } from '#config';",
      "import { double } from '../util';",
      'export const run = (): number => twice(factor) + double(1);',
      '',
    ].join('\n'),
  });
  try {
    await withModule(root, 'forms/deep/use', (table) => assert.equal((table.run as () => number)(), 8));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an import of a file outside src/, or of no module under it, is refused at compile time naming the import', async () => {
  for (const [imports, files, message] of [
    ['../shared/helpers.ts', { 'shared/helpers.ts': 'export const h = 1;\n' }, /forms\/use imports '\.\.\/shared\/helpers\.ts', a file outside src\/ of the application forms/],
    ['./nosuch.ts', {}, /forms\/use imports '\.\/nosuch\.ts', which names no source module of the application forms/],
    ['@lib/gone', { 'tsconfig.json': JSON.stringify({ compilerOptions: { paths: { '@lib/*': ['./src/lib/*'] } } }) }, /forms\/use imports '@lib\/gone' \(tsconfig paths: src\/lib\/gone\), which names no source module/],
  ] as const) {
    const root = project({ ...files, 'src/use.ts': `import { h } from '${imports}';\nexport const x = h;\n` });
    try {
      await assert.rejects(compile({ root }), (error: CompileError) => {
        const d = error.diagnostics[0]!;
        assert.match(d.text, message);
        assert.equal(d.location!.file, join(root, 'src', 'use.ts'));
        return d.location!.line === 1;
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
});
