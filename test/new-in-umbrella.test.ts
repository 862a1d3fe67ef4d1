// `otp new app NAME` at an umbrella's root (apps/NAME), or with --dir inside it, adds a workspace app: no standalone project
// files, the app joins the umbrella's release, and the user is sent to npm install at the umbrella's
// root; `otp test` and `otp release` at the root then take it in. Generated inside the repository's
// _build/ so the projects resolve the workspace's packages as an installed project would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const otp = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 180_000, env: { ...process.env, NO_COLOR: '1' } });

test('otp new app inside an umbrella adds a workspace app to it, not a standalone project', { timeout: 300_000 }, () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'umbra-'));
  try {
    assert.equal(otp(base, 'new', 'umbrella', 'umbra', '--quiet').status, 0);
    const root = join(base, 'umbra');
    const added = otp(root, 'new', 'app', 'umbra_billing', '--dir', 'apps/umbra_billing');
    assert.equal(added.status, 0, added.stderr);
    const app = join(root, 'apps', 'umbra_billing');
    assert.deepEqual(readdirSync(app).sort(), ['package.json', 'src', 'test'], 'only what a workspace app carries');
    for (const standalone of ['README.md', 'tsconfig.json', 'otp.config.ts', 'config', '.gitignore', 'package-lock.json']) assert.ok(!existsSync(join(app, standalone)), standalone);
    assert.match(readFileSync(join(root, 'otp.config.ts'), 'utf8'), /'umbra': \{[^}]*applications: \['umbra', 'umbra_billing'\]/);
    assert.match(added.stdout, /apps\/umbra_billing is an application of the umbrella at \.: added umbra_billing to its release umbra\n/);
    assert.match(added.stdout, /^next: npm install && npx otp test/m);
    assert.doesNotMatch(added.stdout, /cd apps\/umbra_billing/);

    // At the umbrella's root without --dir, an app goes where the workspaces' pattern and the tests' paths look: apps/NAME.
    const plain = otp(root, 'new', 'app', 'umbra_stock');
    assert.equal(plain.status, 0, plain.stderr);
    assert.deepEqual(readdirSync(join(root, 'apps', 'umbra_stock')).sort(), ['package.json', 'src', 'test']);
    assert.ok(!existsSync(join(root, 'umbra_stock')), 'not ./umbra_stock, which neither otp test nor the workspaces would take in');
    assert.match(plain.stdout, /apps\/umbra_stock is an application of the umbrella at \.: added umbra_stock to its release umbra\n/);

    // A folder outside the workspaces' patterns is added to them.
    const lib = otp(join(root, 'apps'), 'new', 'lib', 'umbra_text', '--dir', '../libs/umbra_text');
    assert.equal(lib.status, 0, lib.stderr);
    assert.deepEqual((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces, ['apps/*', 'libs/umbra_text']);
    assert.match(lib.stdout, /^next: cd \.\. && npm install/m);

    // The umbrella takes the new app in: its tests run, and the release boots it.
    const tested = otp(root, 'test');
    assert.equal(tested.status, 0, tested.stdout + tested.stderr);
    assert.match(tested.stdout, /apps\/umbra_billing\/test\/umbra_billing_server\.test\.ts/);
    assert.match(tested.stdout, /apps\/umbra_stock\/test\/umbra_stock_server\.test\.ts/);
    const released = otp(root, 'release');
    assert.equal(released.status, 0, released.stdout + released.stderr);
    assert.ok(existsSync(join(root, '_build', 'prod', 'rel', 'umbra', 'lib', 'umbra_billing-0.1.0')), readdirSync(join(root, '_build', 'prod', 'rel', 'umbra', 'lib')).join(' '));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a project under a workspace root that is no otp-ts umbrella (no otp.config.ts) stays a standalone project', () => {
  const base = mkdtempSync(join(tmpdir(), 'otp-not-umbrella-'));
  try {
    const pkg = `${JSON.stringify({ name: 'monorepo', private: true, workspaces: ['packages/*'] }, null, 2)}\n`;
    writeFileSync(join(base, 'package.json'), pkg);
    const r = otp(base, 'new', 'lib', 'umbra_alone', '--dir', 'tools/umbra_alone', '--quiet');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(base, 'tools', 'umbra_alone', 'README.md')));
    assert.equal(readFileSync(join(base, 'package.json'), 'utf8'), pkg, 'the workspace root is left alone');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
