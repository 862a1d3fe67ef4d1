// The newcomer's path from a source checkout: `otp new` run from this checkout links the project to the
// checkout's packages (file: dependencies), then `npm install`, `npx otp test` and `npx otp shell`.
// The way a registry user gets the packages is test/registry.test.ts (a local registry, npm create otp-ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { privatePortMapper } from './support/epmd.ts';

// `npx otp shell` starts a node: it registers with this file's own port mapper (stopped at the end), never one left on 4369.
await privatePortMapper();

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

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
