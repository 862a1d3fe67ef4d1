// Modules that import each other, upgraded together: each new top level sees the batch's new versions, whatever the
// order the upgrade lists them in; a cycle whose top levels use each other fails naming both, and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upgradeModules, type UpgradeError } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// app/a's top level calls app/b's f (through a named or a namespace import); app/b imports app/a's g for a later call.
const a = (v: number, ns: boolean) =>
  compileModule('app/a', ns ? `import * as b from './b';\nexport const A = b.f();\nexport function g() { return 'a${v}'; }` : `import { f } from './b';\nexport const A = f();\nexport function g() { return 'a${v}'; }`, String(v));
const b = (v: number) => compileModule('app/b', `import { g } from './a';\nexport function f() { return 'b${v}'; }\nexport function callsA() { return g(); }`, String(v));

for (const ns of [false, true]) {
  for (const order of ['b, a', 'a, b'] as const) {
    test(`upgradeModules([${order}]) of two modules importing each other (${ns ? 'import * as b' : 'import { f }'}): the new a's top level calls the new b`, async () => {
      await withNode(async (node) => {
        const code = codeServerFor(node);
        await code.loadAll([b(1), a(1, ns)]);
        assert.equal((code.exportsOf('app/a') as { A: string }).A, 'b1');
        await node.run(async (ctx) => {
          await upgradeModules(ctx, code, order === 'b, a' ? [b(3), a(3, ns)] : [a(3, ns), b(3)]);
        });
        assert.equal((code.exportsOf('app/a') as { A: string }).A, 'b3', "a3's top level ran b3's f, not b1's");
        assert.equal((code.exportsOf('app/b') as { callsA(): string }).callsA(), 'a3');
      });
    });
  }
}

// The cycle the other way round: app/b's top level reads app/a, whose name sorts first (so it is entered there).
const a2 = (v: number) => compileModule('app/a', `import * as b from './b';\nexport function g() { return 'a${v}'; }\nexport function callsB() { return b.f(); }`, String(v));
const b2 = (v: number, extra = '') => compileModule('app/b', `import { g } from './a';\nexport const B = g();\nexport function f() { return 'b${v}'; }\n${extra}`, String(v));

for (const order of ['b, a', 'a, b'] as const) {
  test(`upgradeModules([${order}]) where the new b's top level reads a, which imports b: it sees the new a`, async () => {
    await withNode(async (node) => {
      const code = codeServerFor(node);
      await code.loadAll([a2(1), b2(1)]);
      await node.run(async (ctx) => {
        await upgradeModules(ctx, code, order === 'b, a' ? [b2(3), a2(3)] : [a2(3), b2(3)]);
      });
      assert.equal((code.exportsOf('app/b') as { B: string }).B, 'a3', "b3's top level ran a3's g, not a1's");
      assert.equal((code.exportsOf('app/a') as { callsB(): string }).callsB(), 'b3');
    });
  });
}

test('an upgrade of two modules whose new top levels read each other fails naming both; nothing changed', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.loadAll([b(1), a(1, true)]);
    const both = compileModule('app/b', `import { g } from './a';\nexport const B = g();\nexport function f() { return 'b3'; }`, '3');
    await node.run(async (ctx) => {
      for (const list of [[both, a(3, true)], [a(3, true), both]]) {
        await assert.rejects(upgradeModules(ctx, code, list), (e: UpgradeError) => e.stage === 'evaluate' && /app\/a reads app\/b\.f at its top level while app\/b's new version, which imports app\/a \(directly or not\), is itself still being evaluated/.test(e.message) && /break the import cycle/.test(e.message));
      }
    });
    assert.deepEqual([code.versions('app/a').current, code.versions('app/b').current], ['1', '1']);
    assert.deepEqual(Object.keys(code.exportsOf('app/b')), ['callsA', 'f'], "b's table is as it was");
    assert.equal((code.exportsOf('app/b') as { f(): string }).f(), 'b1');
  });
});
