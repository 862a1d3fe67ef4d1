import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type CompileError } from '@otp-ts/compiler';
import { application, codeServerOf, createNode, genServer, loggerOf } from '@otp-ts/runtime';
import { loadBuiltApplication, readBuiltModules } from '@otp-ts/runtime/tools';
import { replaceOrFail, editsOrFail } from '../../../test/support/wait.ts';

const shop = fileURLToPath(new URL('../../../examples/shop', import.meta.url));

async function withShop(body: (root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'otp-profiles-'));
  cpSync(shop, root, { recursive: true, filter: (src) => !src.includes('_build') });
  try {
    await body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const thrower = ['// line 1', 'type Unused = { a: number };', '', 'export function explodeWithALongName(): never {', "  const message = 'boom from TypeScript';", '  throw new Error(message);', '}', ''].join('\n');

test('prod minifies, keeps names and source maps: a stack trace from the minified build shows the TypeScript file:line, and the app still runs', async () => {
  await withShop(async (root) => {
    writeFileSync(join(root, 'src', 'thrower.ts'), thrower);
    const [dev] = await compile({ root, profile: 'dev' });
    const [prod] = await compile({ root, profile: 'prod' });
    assert.equal(prod!.dir, join(root, '_build', 'prod', 'lib', 'shop-0.1.0'));
    const devCode = readFileSync(join(dev!.dir, 'src', 'cart_server.js'), 'utf8');
    const prodCode = readFileSync(join(prod!.dir, 'src', 'cart_server.js'), 'utf8');
    assert.ok(prodCode.length < devCode.length * 0.8, `minified: ${prodCode.length} against ${devCode.length} bytes`);
    assert.ok(existsSync(join(prod!.dir, 'src', 'thrower.js.map')), 'the source map is kept');
    const node = createNode();
    loggerOf(node).removeHandler('default');
    try {
      const code = codeServerOf(node);
      const { sources } = await readBuiltModules(prod!.dir);
      await code.load(sources.find((s) => s.name === 'shop/thrower')!);
      const explode = code.exportsOf('shop/thrower').explodeWithALongName as () => never;
      assert.equal(explode.name, 'explodeWithALongName', 'names survive minification');
      let stack = '';
      try {
        explode();
      } catch (e) {
        stack = (e as Error).stack ?? '';
      }
      assert.match(stack, /explodeWithALongName \(.*thrower\.ts:6:\d+\)/, stack);
      await node.run(async (ctx) => {
        await application.load(ctx, await loadBuiltApplication(codeServerOf(node), prod!.dir));
        await application.ensureAllStarted(ctx, 'shop');
        assert.deepEqual(await genServer.call(ctx, 'cart', { op: 'list' }), []);
        await application.stop(ctx, 'shop');
      });
    } finally {
      node.shutdown();
    }
  });
});

test('build options: outDir, target and sourceMaps are honoured, and changing them recompiles every module', async () => {
  await withShop(async (root) => {
    writeFileSync(join(root, 'src', 'modern.ts'), 'export const pick = (a: number | undefined, b: number) => a ?? b;\n');
    const [first] = await compile({ root, profile: 'dev', build: { outDir: 'out' } });
    assert.equal(first!.dir, join(root, 'out', 'dev', 'lib', 'shop-0.1.0'));
    assert.equal(first!.compiled.length, 7);
    assert.match(readFileSync(join(first!.dir, 'src', 'modern.js'), 'utf8'), /\?\?/);
    const [same] = await compile({ root, profile: 'dev', build: { outDir: 'out' } });
    assert.deepEqual(same!.compiled, [], 'nothing changed');
    const [older] = await compile({ root, profile: 'dev', build: { outDir: 'out', target: 'es2019', sourceMaps: false } });
    assert.equal(older!.compiled.length, 7, 'new build options recompile every module');
    const modern = readFileSync(join(older!.dir, 'src', 'modern.js'), 'utf8');
    assert.doesNotMatch(modern, /\?\?/, 'es2019 has no ?? operator');
    assert.doesNotMatch(modern, /sourceMappingURL/);
    assert.ok(!existsSync(join(older!.dir, 'src', 'modern.js.map')), 'no source map when sourceMaps is false');
    assert.ok(!existsSync(join(root, '_build', 'dev')), 'nothing written to the default outDir');
  });
});

test('an application module without start() and a gen_server whose init is not a function are refused with file, line and the fix', async () => {
  await withShop(async (root) => {
    const app = join(root, 'src', 'shop_app.ts');
    const original = readFileSync(app, 'utf8');
    writeFileSync(app, editsOrFail(original, [
      ['  start: (_type, _args, ctx) =>', '  begin: (_type: unknown, _args: unknown, ctx: never) =>'],
      ['const shopApp: ApplicationModule =', 'const shopApp ='],
    ]) );
    await assert.rejects(compile({ root }), (e: CompileError) => {
      const [d] = e.diagnostics;
      assert.equal(e.diagnostics.length, 1, e.message);
      assert.equal(d!.location!.file, app);
      assert.equal(d!.location!.line, 5, e.message);
      assert.match(d!.text, /the default export is an application module whose start is missing, not a function/);
      assert.match(d!.suggestion ?? '', /write start as a function: start\(type, args, ctx\)/);
      return true;
    });
    writeFileSync(app, original);
    const cart = join(root, 'src', 'cart_server.ts');
    writeFileSync(cart, replaceOrFail(readFileSync(cart, 'utf8'), '  init: () => ok([]),', '  init: ok([]) as never,'));
    await assert.rejects(compile({ root }), (e: CompileError) => {
      const [d] = e.diagnostics;
      assert.equal(d!.location!.file, cart);
      assert.equal(d!.location!.line, 10);
      assert.match(d!.location!.lineText ?? '', /init: ok\(\[\]\)/);
      assert.match(d!.text, /the export cartServer is a gen_server whose init is an object, not a function/);
      assert.match(e.message, /cart_server\.ts:10:\d+: .*\(write init as a function: init\(args, ctx\)/);
      return true;
    });
    // Refused modules leave no hashes behind: the fix is checked on the next compile, which passes.
    writeFileSync(cart, readFileSync(join(shop, 'src', 'cart_server.ts'), 'utf8'));
    const [fixed] = await compile({ root });
    assert.equal(fixed!.name, 'shop');
  });
});
