// The newcomer's path, end to end: from this checkout as the README tells it (the project linked to the
// checkout's packages), and with the packages installed the way a registry user gets them: npm pack
// tarballs of the workspace packages, installed into a project created by `otp new` outside the
// repository, then `npx otp test`, `npx otp compile --typecheck` and `npx otp shell`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// A port nothing listens on: the deployed node finds no port mapper there and must start its own.
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

// `npx otp shell` in the generated project: the application starts and its server answers a call.
async function callGeneratedServer(shop: string): Promise<void> {
  const shell = execFile('npx', ['otp', 'shell'], { cwd: shop, timeout: 60_000 });
  let out = '';
  shell.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  shell.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  shell.stdin!.write("await call('shop_server', { op: 'bump', key: 'apples', by: 2 })\n");
  shell.stdin!.write('q()\n');
  const code = await new Promise((r) => shell.once('exit', r));
  assert.equal(code, 0, out);
  assert.match(out, /started shop/);
  assert.match(out, /otp> 2\n/, 'the generated server answered the call');
}

test('from a source checkout: otp new app shop && cd shop && npm install && npx otp test, npx otp shell, as the README says', { timeout: 300_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'otp-checkout-'));
  try {
    const created = await run(process.execPath, [join(repo, 'packages', 'cli', 'bin', 'otp.js'), 'new', 'app', 'shop'], { cwd: work });
    assert.match(created.stdout + created.stderr, /file: links to the otp-ts checkout/);
    const shop = join(work, 'shop');
    const pkg = JSON.parse(readFileSync(join(shop, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const checkout = realpathSync(repo);
    assert.equal(pkg.dependencies['@otp-ts/runtime'], `file:${join(checkout, 'packages', 'runtime')}`);
    assert.equal(pkg.devDependencies['@otp-ts/cli'], `file:${join(checkout, 'packages', 'cli')}`);
    await run(npm, ['install', '--no-audit', '--no-fund'], { cwd: shop, timeout: 240_000 });
    const tests = await run('npx', ['otp', 'test'], { cwd: shop, timeout: 120_000 });
    assert.match(tests.stdout.trim().split('\n').pop()!, /^\d+ passed, 0 failed$/);
    await callGeneratedServer(shop);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('otp new app → npm install (packed packages) → otp test, otp compile --typecheck, otp shell, otp release → a daemon deployed from the tarball', { timeout: 600_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'otp-newcomer-'));
  try {
    const packs = join(work, 'packs');
    mkdirSync(packs);
    for (const p of ['runtime', 'compiler', 'test-runner', 'release', 'tracer', 'cli']) await run(npm, ['pack', '-w', `@otp-ts/${p}`, '--pack-destination', packs], { cwd: repo });
    const tarballs = readdirSync(packs).map((f) => join(packs, f));
    assert.equal(tarballs.length, 6);
    await run(process.execPath, [join(repo, 'packages', 'cli', 'bin', 'otp.js'), 'new', 'app', 'shop', '--registry', '--quiet'], { cwd: work });
    const shop = join(work, 'shop');
    await run(npm, ['install', '--no-audit', '--no-fund', ...tarballs], { cwd: shop, timeout: 300_000 });

    const tests = await run('npx', ['otp', 'test'], { cwd: shop, timeout: 120_000 });
    assert.match(tests.stdout.trim().split('\n').pop()!, /^\d+ passed, 0 failed$/);
    const compiled = await run('npx', ['otp', 'compile', '--typecheck'], { cwd: shop, timeout: 120_000 });
    assert.match(compiled.stdout, /type-checked: no errors/);

    await callGeneratedServer(shop);

    // The release carries what it needs from the installed node_modules, and runs outside the project.
    const released = await run('npx', ['otp', 'release', '--tar'], { cwd: shop, timeout: 120_000 });
    assert.match(released.stdout, /release shop 0\.1\.0 \(permanent\)/);
    const deploy = join(work, 'deploy');
    mkdirSync(deploy);
    await run('tar', ['-xzf', join(shop, '_build', 'prod', 'rel', 'shop', 'shop-0.1.0.tar.gz'), '-C', deploy]);
    rmSync(shop, { recursive: true, force: true });
    const script = join(deploy, 'bin', 'shop');
    // The built-in port mapper comes from the release's own copy of the runtime, as on a host without epmd.
    assert.ok(existsSync(join(deploy, 'node_modules', '@otp-ts', 'runtime', 'dist', 'epmd.js')), 'the release carries the port mapper');
    const epmdPort = await freePort();
    const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort) };
    try {
      assert.match((await run(script, ['daemon'], { cwd: deploy, env, timeout: 60_000 })).stdout, /started shop 0\.1\.0/);
      assert.equal((await run(script, ['eval', "genServer.call(ctx, 'shop_server', { op: 'bump', key: 'pears', by: 4 })"], { cwd: deploy, env })).stdout.trim(), '4');
    } finally {
      await run(script, ['stop'], { cwd: deploy, env }).catch(() => undefined);
      // The port mapper outlives the node (as epmd does); stop it once no node is registered.
      const { killPortMapper } = await import('@otp-ts/runtime/tools');
      for (let i = 0; i < 100 && !(await killPortMapper('127.0.0.1', epmdPort).catch(() => true)); i++) await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
