import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { computeRelup, diffApps, invertChanges, ReleaseError, type VersionSource } from '@otp-ts/release';
import { fixtureProject, sources, tempDir } from './helpers.ts';

const version = (root: string, vsn: string, apps: Record<string, string>): VersionSource => ({
  vsn,
  apps: Object.entries(apps).map(([name, appVsn]) => ({ name, vsn: appVsn, dir: join(root, '_build', 'prod', 'lib', `${name}-${appVsn}`), sourceDir: join(root, 'apps', name) })),
});

// Version 1 and 2 of a project: shop's server, state machine, event handler and supervisor change,
// its helper only gains a comment, one module goes and one comes; audit is removed, billing added.
async function twoVersions(): Promise<{ v1: VersionSource; v2: VersionSource; root2: string }> {
  const base = tempDir();
  const root1 = await fixtureProject(join(base, 'v1'), '0.1.0', {
    shop: { vsn: '0.1.0', modules: { 'cart.ts': sources.server(1), 'order.ts': sources.statem(1), 'events.ts': sources.event(1), 'shop_sup.ts': sources.sup(1), 'helper.ts': sources.plain(1), 'old.ts': sources.plain(1) } },
    audit: { vsn: '0.1.0', modules: { 'log.ts': sources.plain(1) } },
    core: { vsn: '1.0.0', modules: { 'core.ts': sources.plain(1) } },
  });
  const root2 = await fixtureProject(join(base, 'v2'), '0.2.0', {
    shop: { vsn: '0.2.0', applications: ['billing'], modules: { 'cart.ts': sources.server(2), 'order.ts': sources.statem(2), 'events.ts': sources.event(2), 'shop_sup.ts': sources.sup(2), 'helper.ts': `// only a comment, which moves the source map\n${sources.plain(1)}`, 'new.ts': sources.plain(2) } },
    billing: { vsn: '0.1.0', modules: { 'pay.ts': sources.plain(1) } },
    core: { vsn: '1.0.0', modules: { 'core.ts': sources.plain(1) } },
  });
  return {
    v1: version(root1, '0.1.0', { core: '1.0.0', audit: '0.1.0', shop: '0.1.0' }),
    v2: version(root2, '0.2.0', { core: '1.0.0', billing: '0.1.0', shop: '0.2.0' }),
    root2,
  };
}

test('the relup lists added, removed and changed modules per application, with the behaviour of each changed one', async () => {
  const { v1, v2 } = await twoVersions();
  const relup = await computeRelup(v1, v2);
  assert.equal(relup.vsn, '0.2.0');
  assert.deepEqual(relup.up, [
    {
      vsn: '0.1.0',
      apps: [
        { kind: 'add', app: 'billing', vsn: '0.1.0' },
        {
          kind: 'change',
          app: 'shop',
          from: '0.1.0',
          to: '0.2.0',
          added: ['shop/new'],
          removed: ['shop/old'],
          changed: [
            { module: 'shop/cart', behaviour: 'gen_server' },
            { module: 'shop/events', behaviour: 'gen_event' },
            { module: 'shop/order', behaviour: 'gen_statem' },
            { module: 'shop/shop_sup', behaviour: 'supervisor' },
          ],
        },
        { kind: 'remove', app: 'audit', vsn: '0.1.0' },
      ],
    },
  ]);
  assert.deepEqual(relup.down, [{ vsn: '0.1.0', apps: invertChanges(relup.up[0]!.apps) }]);
  assert.deepEqual(relup.down[0]!.apps.map((c) => c.kind), ['add', 'change', 'remove']);
  const back = relup.down[0]!.apps[1]!;
  assert.ok(back.kind === 'change');
  assert.deepEqual([back.from, back.to, back.added, back.removed], ['0.2.0', '0.1.0', ['shop/old'], ['shop/new']]);
});

test('a module whose code differs only in its sourceMappingURL line is unchanged; an unchanged application is left out', () => {
  const code = 'exports.x = 1;\n';
  const up = diffApps(
    [{ name: 'a', vsn: '1', modules: { 'a/m': `${code}//# sourceMappingURL=m.js.map\n` } }, { name: 'b', vsn: '1', modules: { 'b/m': code } }],
    [{ name: 'a', vsn: '2', modules: { 'a/m': `${code}//# sourceMappingURL=data:application/json;base64,e30=\n` } }, { name: 'b', vsn: '1', modules: { 'b/m': code } }],
  );
  assert.deepEqual(up, [{ kind: 'change', app: 'a', from: '1', to: '2', added: [], removed: [], changed: [] }]);
});

test('when an application version carries other npm packages, the modules that import one are changed though their code is the same', () => {
  const uses = 'var g = require("greet");\nexports.hi = () => g.greet();\n';
  const scoped = 'var t = require("@acme/tone/sub");\nexports.t = t;\n';
  const plain = 'exports.x = 1;\n';
  const app = (vsn: string, packages: Record<string, string>) => ({ name: 'a', vsn, modules: { 'a/uses': uses, 'a/scoped': scoped, 'a/plain': plain }, packages });
  const up = diffApps([app('1', { greet: '1.0.0', '@acme/tone': '1.0.0' })], [app('2', { greet: '1.0.0', '@acme/tone': '1.0.0', 'greet/node_modules/x': '2.0.0' })]);
  assert.deepEqual(up, [{ kind: 'change', app: 'a', from: '1', to: '2', added: [], removed: [], changed: [{ module: 'a/scoped' }, { module: 'a/uses' }] }]);
  const same = diffApps([app('1', { greet: '1.0.0' })], [app('2', { greet: '1.0.0' })]);
  assert.deepEqual(same, [{ kind: 'change', app: 'a', from: '1', to: '2', added: [], removed: [], changed: [] }]);
});

test("an application's upgrade.ts overrides its computed change, and the down step follows the override", async () => {
  const { v1, v2, root2 } = await twoVersions();
  writeFileSync(
    join(root2, 'apps', 'shop', 'upgrade.ts'),
    "import type { AppChange } from '@otp-ts/runtime';\nexport default (c: AppChange): AppChange => (c.kind === 'change' ? { ...c, changed: c.changed.filter((m) => m.module === 'shop/cart'), extra: { migrate: true } } : c);\n",
  );
  const relup = await computeRelup(v1, v2);
  const shop = relup.up[0]!.apps.find((c) => c.app === 'shop')!;
  assert.ok(shop.kind === 'change');
  assert.deepEqual(shop.changed, [{ module: 'shop/cart', behaviour: 'gen_server' }]);
  assert.deepEqual(shop.extra, { migrate: true });
  const down = relup.down[0]!.apps.find((c) => c.app === 'shop')!;
  assert.ok(down.kind === 'change');
  assert.deepEqual(down.extra, { migrate: true });
});

test('an upgrade.ts that returns a bad change is rejected naming the file and the key', async () => {
  const { v1, v2, root2 } = await twoVersions();
  const file = join(root2, 'apps', 'shop', 'upgrade.ts');
  const cases: Array<[string, RegExp]> = [
    ["(c) => ({ ...c, changed: [{ module: 'shop/nope' }] })", /'changed\[0\]\.module' is "shop\/nope", which is not a module of both versions/],
    ["(c) => ({ ...c, added: ['shop/old'] })", /'added\[0\]' is "shop\/old", which is not a module of shop 0\.2\.0/],
    ["(c) => ({ ...c, changed: [{ module: 'shop/cart', behaviour: 'gen_fsm' }] })", /'changed\[0\]\.behaviour' is "gen_fsm"/],
    ["(c) => ({ ...c, to: '9.9.9' })", /'to' must stay "0\.2\.0"/],
    ['() => 42', /'default' must return an AppChange object, got 42/],
    ["(c) => ({ ...c, removed: 'shop/old' })", /'removed' must be an array of module names/],
    ['42', /must export default a function/],
  ];
  for (const [body, message] of cases) {
    writeFileSync(file, `export default ${body};\n`);
    await assert.rejects(computeRelup(v1, v2), (error: unknown) => {
      assert.ok(error instanceof ReleaseError);
      assert.equal(error.code, 'badOverride');
      assert.equal(error.file, file);
      assert.match(error.message, message);
      return true;
    }, body);
  }
});
