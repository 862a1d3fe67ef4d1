import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { findProject, OtpError } from '@otp-ts/cli';
import { tempDir, writeTree } from './helpers.ts';

const pkg = (value: object) => JSON.stringify(value);

test('an application is found from any folder inside it, with its config file', () => {
  const root = writeTree(tempDir(), {
    'package.json': pkg({ name: 'shop', otp: { mod: 'src/shop_app.ts' } }),
    'otp.config.ts': 'export default {};',
    'src/deep/x.ts': '',
  });
  const p = findProject(join(root, 'src', 'deep'));
  assert.deepEqual(p, { root, kind: 'app', apps: [root], configFile: join(root, 'otp.config.ts') });
});

test('a package with an otp field and no mod is a library; no config file is fine', () => {
  const root = writeTree(tempDir(), { 'package.json': pkg({ name: 'util', otp: {} }) });
  assert.deepEqual(findProject(root), { root, kind: 'lib', apps: [root] });
});

test('inside an umbrella, an app folder leads to the workspace root', () => {
  const root = writeTree(tempDir(), {
    'package.json': pkg({ name: 'store_umbrella', workspaces: ['apps/*'] }),
    'otp.config.ts': 'export default {};',
    'apps/store/package.json': pkg({ name: 'store', otp: { mod: 'src/store_app.ts' } }),
    'apps/store/src/store_app.ts': '',
    'apps/util/package.json': pkg({ name: 'util', otp: {} }),
    'apps/notes/README.md': '',
  });
  const expected = { root, kind: 'umbrella', apps: [join(root, 'apps', 'store'), join(root, 'apps', 'util')], configFile: join(root, 'otp.config.ts') };
  assert.deepEqual(findProject(join(root, 'apps', 'store', 'src')), expected);
  assert.deepEqual(findProject(root), expected);
});

test('a folder with only otp.config.ts is a project', () => {
  const root = writeTree(tempDir(), { 'otp.config.ts': 'export default {};' });
  assert.deepEqual(findProject(root), { root, kind: 'umbrella', apps: [], configFile: join(root, 'otp.config.ts') });
});

test('outside any project: a clear error that says how to make one', () => {
  const dir = writeTree(tempDir(), { 'package.json': pkg({ name: 'plain' }) });
  assert.throws(
    () => findProject(dir),
    (e: unknown) => {
      assert.ok(e instanceof OtpError);
      assert.equal(e.code, 'noProject');
      assert.equal(e.message, `no otp project in ${dir} or any folder above it`);
      assert.equal(e.hint, 'An otp project has a package.json with an "otp" field or an otp.config.ts; create one with `otp new app NAME`.');
      return true;
    },
  );
});

test('a package.json that is not JSON is named, with the line and column of the fault (not a character offset)', () => {
  const dir = writeTree(tempDir(), { 'package.json': '{\n  "name": "shop",\n  "version": "0.1.0",,\n}\n' });
  assert.throws(() => findProject(dir), (e: unknown) => {
    assert.ok(e instanceof OtpError && e.code === 'badConfig', String(e));
    assert.match(e.message, /^\S+package\.json is not valid JSON at line 3, column 22 \([^)]+\): fix it there \(a missing comma or quote, or a trailing comma\)$/);
    assert.doesNotMatch(e.message, /position/);
    assert.deepEqual(e.location, { file: join(dir, 'package.json'), line: 3, column: 22 });
    return true;
  });
});

test('a package.json whose fault Node.js names no offset for (a trailing comma in an array) is still named at its line and column', () => {
  const dir = writeTree(tempDir(), { 'package.json': '{\n  "name": "shop",\n  "workspaces": ["apps/*",]\n}\n' });
  assert.throws(() => findProject(dir), (e: unknown) => {
    assert.ok(e instanceof OtpError && e.code === 'badConfig', String(e));
    assert.match(e.message, /^\S+package\.json is not valid JSON at line 3, column 27 \(Unexpected token '\]'\): fix it there/);
    assert.deepEqual(e.location, { file: join(dir, 'package.json'), line: 3, column: 27 });
    return true;
  });
});
