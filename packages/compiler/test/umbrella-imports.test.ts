import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, type CompileError } from '@otp-ts/compiler';
import { codeServerOf, createNode } from '@otp-ts/runtime';
import { loadBuiltApplication, readBuiltModules } from '@otp-ts/runtime/tools';

// An umbrella of two applications: billing imports a module of its sibling umb by package path, as an
// umbrella's apps call each other (Node.js resolves the workspace package to umb's TypeScript sources).
function umbrella(billing: { applications: readonly string[]; imports: string }): string {
  const root = mkdtempSync(join(tmpdir(), 'otp-umbrella-'));
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('package.json', JSON.stringify({ name: 'store_umbrella', version: '0.1.0', private: true, workspaces: ['apps/*'] }));
  write('apps/umb/package.json', JSON.stringify({ name: '@store/umb', version: '0.1.0', otp: {} }));
  write('apps/umb/src/greet.ts', "export const greet = (who: string): string => `v1 hello ${who}`;\n");
  write('apps/umb/src/util/index.ts', "export { default as data } from '../data.json';\n");
  write('apps/umb/src/data.json', '{ "tax": 7 }\n');
  write('apps/billing/package.json', JSON.stringify({ name: 'billing', version: '0.1.0', otp: { applications: billing.applications } }));
  write('apps/billing/src/deep/use.ts', `import { greet } from '${billing.imports}';\n\nexport const hello = (): string => greet('billing');\n`);
  write('apps/billing/src/tax.ts', "import data from '@store/umb/src/data.json';\nimport { data as same } from '@store/umb/src/util';\n\nexport const tax = (): number[] => [data.tax, same.tax];\n");
  return root;
}

test("an umbrella app's import of a sibling app's module loads that module from the code server, and follows its upgrade", async () => {
  const root = umbrella({ applications: ['umb'], imports: '@store/umb/src/greet.ts' });
  const node = createNode();
  try {
    const built = await compile({ root });
    const dirOf = (app: string) => built.find((b) => b.name === app)!.dir;
    assert.match(readFileSync(join(dirOf('billing'), 'src', 'deep', 'use.js'), 'utf8'), /require\("\.\.\/\.\.\/umb\/greet"\)/);
    const code = codeServerOf(node);
    await loadBuiltApplication(code, dirOf('umb'));
    await loadBuiltApplication(code, dirOf('billing'));
    const use = code.exportsOf('billing/deep/use') as { hello: () => string };
    assert.equal(use.hello(), 'v1 hello billing');
    // A sibling's JSON module and a folder's index, as imports within an app name them.
    assert.deepEqual((code.exportsOf('billing/tax') as { tax: () => number[] }).tax(), [7, 7]);

    // umb's next version: billing, unchanged, calls the new code.
    writeFileSync(join(root, 'apps/umb/src/greet.ts'), "export const greet = (who: string): string => `v2 hello ${who}`;\n");
    const again = await compile({ root });
    assert.deepEqual(again.find((b) => b.name === 'billing')!.compiled, []);
    const { sources } = await readBuiltModules(dirOf('umb'));
    await code.load(sources.find((s) => s.name === 'umb/greet')!);
    assert.equal(use.hello(), 'v2 hello billing');
  } finally {
    node.shutdown();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a sibling import is refused at compile time when otp.applications lacks the sibling, or names no module of it', async () => {
  for (const [billing, message, suggestion] of [
    [{ applications: [], imports: '@store/umb/src/greet.ts' }, /billing\/deep\/use imports '@store\/umb\/src\/greet\.ts', a module of the application umb, which billing's otp\.applications does not list/, /add "umb" to otp\.applications/],
    [{ applications: ['umb'], imports: '@store/umb/src/nosuch.ts' }, /imports '@store\/umb\/src\/nosuch\.ts', which is not a source module of the application umb/, /under src\//],
  ] as const) {
    const root = umbrella(billing);
    try {
      await assert.rejects(compile({ root }), (error: CompileError) => {
        const d = error.diagnostics[0]!;
        assert.match(d.text, message);
        assert.match(d.suggestion ?? '', suggestion);
        assert.equal(d.location?.line, 1);
        assert.match(d.location?.file ?? '', /apps\/billing\/src\/deep\/use\.ts$/);
        return true;
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
});
