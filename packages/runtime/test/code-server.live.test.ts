// Every form of import sees the live export table after a module is loaded again: namespace, default
// (in Node's module mode too), named, `export * from`, `export { x as y } from`, dynamic import() and
// cycles of namespace imports; minified output included. A removed export throws naming the module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { RemovedExportError } from '@otp-ts/runtime';
import { withNode, codeServerFor } from './helpers.ts';

// As the compiler builds a module of a "type": "module" package (.mts: esbuild's Node mode for default imports).
const compile = (name: string, ts: string, minify: boolean, vsn?: string) => ({
  name,
  code: transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20', supported: { 'dynamic-import': false }, minify, keepNames: true, sourcefile: `${name}.mts` }).code,
  filename: `/virtual/${name}.ts`,
  vsn,
});

type User = { ns(): string; def(): string; named(): number; star(): string; plus(): number; dyn(): Promise<string> };

for (const minify of [false, true]) {
  test(`an added export reaches namespace, default, named, re-exported and dynamic imports at once${minify ? ' (minified)' : ''}; a removed one names its module`, async () => {
    await withNode(async (node) => {
      const code = codeServerFor(node);
      await code.loadAll([
        compile('app/ledger', `export function add(n: number) { return n + 1; } export default function d() { return 'd1'; }`, minify, '1'),
        compile('app/re', `export * from './ledger'; export { add as plus } from './ledger';`, minify),
        compile(
          'app/user',
          `import * as ledger from './ledger'; import d from './ledger'; import { add } from './ledger'; import * as re from './re';
          const any = (m: unknown) => m as { newFn?: () => string };
          export function ns() { return any(ledger).newFn?.() ?? 'none'; }
          export function def() { return d(); }
          export function named() { return add(1); }
          export function star() { return any(re).newFn?.() ?? 'none'; }
          export function plus() { return re.plus(10); }
          export async function dyn() { return any(await import('./ledger')).newFn?.() ?? 'none'; }`,
          minify,
        ),
      ]);
      const user = code.exportsOf('app/user') as unknown as User;
      assert.deepEqual([user.ns(), user.def(), user.named(), user.star(), user.plus(), await user.dyn()], ['none', 'd1', 2, 'none', 11, 'none']);
      await code.load(compile('app/ledger', `export function add(n: number) { return n + 100; } export function newFn() { return 'new'; } export default function d() { return 'd2'; }`, minify, '2'));
      assert.deepEqual([user.ns(), user.def(), user.named(), user.star(), user.plus(), await user.dyn()], ['new', 'd2', 101, 'new', 110, 'new']);
      await code.load(compile('app/ledger', `export function newFn() { return 'new3'; }`, minify, '3'));
      assert.throws(() => user.named(), (e: RemovedExportError) => e instanceof RemovedExportError && e.message === 'app/ledger.add does not exist in app/ledger 3 (an upgrade removed it): call what the new version exports instead');
      assert.deepEqual(Object.keys(code.exportsOf('app/re')).sort(), ['newFn'], 'the barrel follows: add and its alias are gone, newFn came');
    });
  });
}

test('two modules importing each other as namespaces answer at once, and after one of them is loaded again', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.loadAll([
      compile('app/i', `import * as j from './j'; export function record(n: number): number { return n === 0 ? 0 : j.go(n - 1) + 1; }`, false),
      compile('app/j', `import * as i from './i'; export function go(n: number): number { return i.record(n); }`, false),
    ]);
    const j = code.exportsOf('app/j') as { go(n: number): number };
    assert.equal(j.go(5), 5);
    await code.load(compile('app/i', `import * as j from './j'; export function record(n: number): number { return n === 0 ? 100 : j.go(n - 1) + 1; }`, false, '2'));
    assert.equal(j.go(5), 105);
  });
});

test('an upgrade of modules whose new top level calls what another of them adds evaluates them together, in either order; no process sees the new exports before the install', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const server = (vsn: string, body: string) => compile('app/server', `import { ok, reply } from '@otp-ts/runtime';\n${body}\nexport const srv = { init: () => ok(0), handleCall: (_r: unknown, _f: unknown, s: number) => reply(LIMIT, s), codeChange: (_o: unknown, s: number) => s };`, false, vsn);
    await code.loadAll([compile('app/helpers', `export function limit() { return 1; }`, false, '1'), server('1', `import { limit } from './helpers';\nconst LIMIT = limit();`)]);
    const helpers2 = compile('app/helpers', `export function limit() { return 2; }\nexport function config() { return { limit: 5 }; }`, false, '2');
    const server2 = server('2', `import { config } from './helpers';\nconst LIMIT = config().limit;`);
    // A third module whose top level throws: the batch fails, and the helpers' table is as it was.
    const broken = compile('app/broken', `import { config } from './helpers';\nexport const X = config();\nthrow new Error('broken at load');`, false, '1');
    await code.load(compile('app/broken', `export const X = 0;`, false, '0'));
    await node.run(async (ctx) => {
      const pid = await runtime.genServer.start(ctx, (code.exportsOf('app/server') as { srv: runtime.GenServer<number, string, never, number, void> }).srv, undefined);
      assert.equal(await runtime.genServer.call(ctx, pid, 'x'), 1);
      await assert.rejects(runtime.upgradeModules(ctx, code, [server2, helpers2, broken]), (e: runtime.UpgradeError) => e.stage === 'evaluate' && e.module === 'app/broken' && /broken at load/.test(e.message));
      assert.deepEqual(Object.keys(code.exportsOf('app/helpers')), ['limit'], 'the failed batch left the table as it was');
      assert.equal((code.exportsOf('app/helpers') as { limit(): number }).limit(), 1);
      await runtime.upgradeModules(ctx, code, [server2, helpers2]);
      assert.equal(await runtime.genServer.call(ctx, pid, 'x'), 5, "the new server's top level ran with the new helpers");
      assert.equal((code.exportsOf('app/helpers') as { limit(): number }).limit(), 2);
    });
  });
});
