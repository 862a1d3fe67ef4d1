import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompileError } from '@otp-ts/compiler';
import { compile } from '@otp-ts/compiler';
import { createNode, application, codeServerOf, genServer, upgradeModules, loggerOf } from '@otp-ts/runtime';
import { loadBuiltApplication, readBuiltModules } from '@otp-ts/runtime/tools';
import { editsOrFail } from '../../../test/support/wait.ts';

const shop = fileURLToPath(new URL('../../../examples/shop', import.meta.url));

function copyShop(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otp-compile-'));
  cpSync(shop, dir, { recursive: true });
  return dir;
}

test('compiles one module per source with source maps and the app resource; recompiles only what changed', async () => {
  const root = copyShop();
  try {
    const [first] = await compile({ root });
    const out = join(root, '_build', 'dev', 'lib', 'shop-0.1.0');
    assert.equal(first!.dir, out);
    assert.equal(first!.compiled.length, 6);
    for (const f of ['cart_server', 'inventory_server', 'order_fsm', 'audit_handler', 'shop_sup', 'shop_app']) {
      assert.ok(existsSync(join(out, 'src', `${f}.js`)), `${f}.js`);
      assert.ok(existsSync(join(out, 'src', `${f}.js.map`)), `${f}.js.map`);
    }
    const app = JSON.parse(readFileSync(join(out, 'app.json'), 'utf8'));
    assert.equal(app.mod, 'shop/shop_app');
    assert.equal(app.modules['shop/cart_server'], 'src/cart_server.js');
    assert.match(readFileSync(join(out, 'src', 'cart_server.js'), 'utf8'), /require\("@otp-ts\/runtime"\)/, 'one CommonJS module per source, not a bundle');
    const [again] = await compile({ root });
    assert.deepEqual(again!.compiled, []);
    writeFileSync(join(root, 'src', 'inventory_server.ts'), readFileSync(join(root, 'src', 'inventory_server.ts'), 'utf8') + '\nexport const touched = 1;\n');
    const [third] = await compile({ root });
    assert.deepEqual(third!.compiled, ['src/inventory_server.ts']);
    rmSync(join(root, 'src', 'order_fsm.ts'));
    const [fourth] = await compile({ root });
    assert.deepEqual(fourth!.removed, ['src/order_fsm.ts']);
    assert.ok(!existsSync(join(out, 'src', 'order_fsm.js')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('top-level await and a broken otp.mod are refused with file, line and the fix', async () => {
  const root = copyShop();
  try {
    writeFileSync(join(root, 'src', 'bad.ts'), 'export const x = 1;\nawait Promise.resolve();\n');
    await assert.rejects(compile({ root }), (e: CompileError) => {
      const [d] = e.diagnostics;
      return d!.location!.file.endsWith('src/bad.ts') && d!.location!.line === 2 && /top-level await is not allowed/.test(d!.text) && /move the awaited work/.test(d!.suggestion ?? '');
    });
    rmSync(join(root, 'src', 'bad.ts'));
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    pkg.otp.mod = 'src/missing_app.ts';
    writeFileSync(join(root, 'package.json'), JSON.stringify(pkg));
    // A file that is not there is said to be missing; one outside src/ is no source module.
    await assert.rejects(compile({ root }), (e: CompileError) => /otp.mod names src\/missing_app.ts, which does not exist$/.test(e.diagnostics[0]!.text) && /^create it/.test(e.diagnostics[0]!.suggestion ?? ''));
    writeFileSync(join(root, 'outside.ts'), 'export const x = 1;\n');
    pkg.otp.mod = 'outside.ts';
    writeFileSync(join(root, 'package.json'), JSON.stringify(pkg));
    await assert.rejects(compile({ root }), /otp.mod names outside.ts, which is not a source module of shop/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('compiled, loaded, started, edited, recompiled and hot-upgraded: the same pid answers with its migrated state', async () => {
  const root = copyShop();
  const node = createNode();
  loggerOf(node).removeHandler('default');
  try {
    const [built] = await compile({ root });
    await node.run(async (ctx) => {
      const code = codeServerOf(node);
      await application.load(ctx, await loadBuiltApplication(code, built!.dir));
      await application.ensureAllStarted(ctx, 'shop');
      const cart = ctx.whereis('cart')!;
      await genServer.call(ctx, cart, { op: 'add', item: 'apple', n: 2 });

      // Version 2 of the cart keeps a total beside the items, and migrates the old state.
      const v1 = readFileSync(join(root, 'src', 'cart_server.ts'), 'utf8');
      const v2 = editsOrFail(v1, [
        ["export type CartCall = { op: 'add'; item: string; n: number } | { op: 'list' } | { op: 'crash' };", "export type CartCall = { op: 'add'; item: string; n: number } | { op: 'list' } | { op: 'crash' } | { op: 'total' };"],
        ['handleCall(req, _from, items, ctx) {', 'handleCall(req, _from, items, ctx) {\n    if ((req as { op: string }).op === \'total\') return reply((items as unknown as { total: number }).total as never, items);'],
        ['  init: () => ok([]),', "  init: () => ok([]),\n  codeChange: (_old: unknown, items: Array<[string, number]>) => Object.assign([...items], { total: items.reduce((t, [, n]) => t + n, 0) }),"],
      ]);
      assert.notEqual(v1, v2);
      writeFileSync(join(root, 'src', 'cart_server.ts'), v2);
      const [rebuilt] = await compile({ root });
      assert.deepEqual(rebuilt!.compiled, ['src/cart_server.ts']);
      const { sources } = await readBuiltModules(rebuilt!.dir);
      const report = await upgradeModules(ctx, code, sources.filter((s) => s.name === 'shop/cart_server'), { oldVsn: '0.1.0' });
      assert.deepEqual(report.processes, [cart]);
      assert.equal(ctx.whereis('cart'), cart, 'the same process');
      assert.equal(await genServer.call(ctx, cart, { op: 'total' } as never), 2, 'its state was migrated by the new codeChange');
      assert.deepEqual([...(await genServer.call(ctx, cart, { op: 'list' }) as unknown[])], [['apple', 2]]);
      await application.stop(ctx, 'shop');
    });
  } finally {
    node.shutdown();
    rmSync(root, { recursive: true, force: true });
  }
});

test('stack traces of compiled modules loaded by the code server show TypeScript file:line', async () => {
  const root = copyShop();
  const node = createNode();
  try {
    writeFileSync(join(root, 'src', 'thrower.ts'), ['// line 1', 'type Unused = { a: number };', '', 'export function explode(): never {', "  throw new Error('boom from TypeScript');", '}', ''].join('\n'));
    const [built] = await compile({ root });
    const { sources } = await readBuiltModules(built!.dir);
    const code = codeServerOf(node);
    await code.load(sources.find((s) => s.name === 'shop/thrower')!);
    let stack = '';
    try {
      (code.exportsOf('shop/thrower').explode as () => never)();
    } catch (e) {
      stack = (e as Error).stack ?? '';
    }
    assert.match(stack, /thrower\.ts:5:\d+/, stack);
  } finally {
    node.shutdown();
    rmSync(root, { recursive: true, force: true });
  }
});

test('exports whose first parameter is ctx are listed for rpc, in the dev and the minified prod output alike', async () => {
  const { ctxFirstExports } = await import('../src/ctx-first.ts');
  const source = `
    import type { ProcessContext } from '@otp-ts/runtime';
    // export function commented(ctx) {}
    export function plain(a: number, b: number) { return a + b; }
    export async function bump(ctx: ProcessContext, key: string, by = 1) { return by; }
    export function typed<T>(ctx: ProcessContext, v: T): T { return v; }
    export const arrow = async (ctx: ProcessContext, n: number) => n;
    export const fn: (ctx: ProcessContext) => number = function (ctx) { return 1; };
    export const notFn = 'ctx';
    function hidden(ctx: ProcessContext) { return ctx; }
  `;
  assert.deepEqual(await ctxFirstExports(source), ['arrow', 'bump', 'fn', 'typed']);

  const root = copyShop();
  try {
    for (const profile of ['dev', 'prod'] as const) {
      await compile({ root, profile });
      const file = join(root, '_build', profile, 'lib', 'shop-0.1.0', 'src', 'cart_server.js');
      const line = /^Object\.defineProperty\(module\.exports, Symbol\.for\("otp-ts\.ctxFirst"\), \{ value: (\[.*\]) \}\);$/m.exec(readFileSync(file, 'utf8'));
      assert.deepEqual(JSON.parse(line?.[1] ?? 'null'), ['startCart'], profile);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("an application's startPhases and modArgs in package.json reach the compiled app.json, and a start from it (a release, the shell) runs the phases with the args", async () => {
  const root = copyShop();
  const node = createNode();
  try {
    const pkgFile = join(root, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { otp: Record<string, unknown> };
    pkg.otp.startPhases = [{ phase: 'warm', args: 100 }, { phase: 'open' }];
    pkg.otp.modArgs = { region: 'eu' };
    writeFileSync(pkgFile, JSON.stringify(pkg));
    const appFile = join(root, 'src', 'shop_app.ts');
    writeFileSync(appFile, editsOrFail(readFileSync(appFile, 'utf8'), [
      ['start: (_type, _args, ctx) =>', "startPhase: (phase, _type, args) => void ((globalThis as any).shopPhases ??= []).push([phase, args]),\n  start: (_type, args, ctx) => void ((globalThis as any).shopPhases ??= []).push(['start', args]) ??"],
    ]));
    const [built] = await compile({ root });
    const app = JSON.parse(readFileSync(join(built!.dir, 'app.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([app.startPhases, app.modArgs], [pkg.otp.startPhases, pkg.otp.modArgs]);
    (globalThis as { shopPhases?: unknown[] }).shopPhases = [];
    await node.run(async (ctx) => {
      await application.load(ctx, await loadBuiltApplication(codeServerOf(node), built!.dir));
      await application.start(ctx, 'shop');
    });
    assert.deepEqual((globalThis as { shopPhases?: unknown[] }).shopPhases, [['start', { region: 'eu' }], ['warm', 100], ['open', undefined]]);
  } finally {
    node.shutdown();
    rmSync(root, { recursive: true, force: true });
  }
});
