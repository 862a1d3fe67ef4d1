// A project in a folder named src (~/src/shop, a common home for code) with its @otp-ts packages installed
// as npm installs them from a registry: copies under the project's node_modules, so their own paths hold
// `/src/` too. Linked from a checkout (as the other tests' projects are) the packages' real paths do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const ours = ['cli', 'compiler', 'release', 'runtime', 'test-runner', 'tracer'];

// node_modules as a registry install leaves it: each @otp-ts package a copy (its tests and sources' tests left
// out), every other package of the workspace's linked in.
function install(project: string): void {
  const modules = join(project, 'node_modules');
  for (const pkg of ours) {
    cpSync(join(repo, 'packages', pkg), join(modules, '@otp-ts', pkg), { recursive: true, dereference: true, filter: (p) => !['node_modules', 'test'].includes(basename(p)) });
  }
  for (const entry of readdirSync(join(repo, 'node_modules'))) {
    if (entry === '.bin' || entry === '@otp-ts') continue;
    const scoped = entry.startsWith('@') ? readdirSync(join(repo, 'node_modules', entry)).map((e) => join(entry, e)) : [entry];
    for (const name of scoped) {
      mkdirSync(join(modules, name, '..'), { recursive: true });
      if (!existsSync(join(modules, name))) symlinkSync(join(repo, 'node_modules', name), join(modules, name), 'dir');
    }
  }
}

test('a project under a folder named src, its packages installed as copies: otp release builds it and a suite starts a peer node', { timeout: 300_000 }, async () => {
  const env = { ...process.env, OTP_EPMD_PORT: String(await privatePortMapper()), NO_COLOR: '1' };
  const home = mkdtempSync(join(tmpdir(), 'otp-under-src-'));
  const src = join(home, 'src');
  mkdirSync(src);
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', 'shop', '--registry', '--quiet'], { cwd: src, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const shop = join(src, 'shop');
    install(shop);
    // The project's own otp, as npx otp runs it.
    const otp = (...args: string[]) => spawnSync(process.execPath, [join(shop, 'node_modules', '@otp-ts', 'cli', 'bin', 'otp.js'), ...args], { cwd: shop, env, encoding: 'utf8', timeout: 240_000 });
    const release = otp('release', '--quiet');
    assert.equal(release.status, 0, release.stdout + release.stderr);
    assert.ok(existsSync(join(shop, '_build', 'prod', 'rel', 'shop', 'bin', 'shop.mjs')), 'the start script is in the release');
    writeFileSync(
      join(shop, 'test', 'peer.suite.ts'),
      [
        "import { peer, type Peer, type SuiteConfig } from '@otp-ts/test-runner';",
        "import { assert } from '@otp-ts/test-runner/assert';",
        "export const all = () => ['pingsPeer'];",
        "export async function initPerSuite(config: SuiteConfig) { return { ...config, a: await peer.start(config, { name: 'alpha' }) }; }",
        'export async function pingsPeer({ ctx, a }: SuiteConfig & { a: Peer }) { assert(await ctx.node.ping(a.node)); }',
        '',
      ].join('\n'),
    );
    const suite = otp('test', 'test/peer.suite.ts');
    assert.equal(suite.status, 0, suite.stdout + suite.stderr);
    assert.match(suite.stdout, /\n1 passed, 0 failed\n$/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
