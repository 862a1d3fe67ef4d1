// The README's walk builds the release (otp release) and then uses otp shell again: the shell's node
// (config/node.args's shop@127.0.0.1) must take the cookie otp ping and otp remote use for that node inside
// the project, the built release's, as otp shell --help says; it took ~/.otp-ts.cookie and every tool got pang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';

await privatePortMapper();
const repo = fileURLToPath(new URL('..', import.meta.url));

test("after otp release, otp shell's node answers otp ping from the project (the release's cookie)", { timeout: 240_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'shell-cookie-'));
  const home = join(base, 'home');
  mkdirSync(home);
  // A home of its own: its ~/.otp-ts.cookie is created fresh, unlike the release's random cookie.
  const env = { ...process.env, HOME: home, OTP_COOKIE: undefined };
  const dir = join(base, 'shop');
  let out = '';
  let child: ReturnType<typeof spawn> | undefined;
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'shop', '--quiet'], { cwd: base, env, encoding: 'utf8' }).status, 0);
    const release = spawnSync(process.execPath, [bin, 'release', '--quiet'], { cwd: dir, env, encoding: 'utf8', timeout: 180_000 });
    assert.equal(release.status, 0, release.stderr);
    child = spawn(process.execPath, [bin, 'shell'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    for (let i = 0; i < 6000 && !/started shop/.test(out) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(out, /started shop/);
    const ping = await new Promise<{ status: number | null; text: string }>((resolve) => {
      const p = spawn(process.execPath, [bin, 'ping', 'shop@127.0.0.1'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      p.stdout.on('data', (c: Buffer) => (text += c.toString()));
      p.stderr.on('data', (c: Buffer) => (text += c.toString()));
      p.once('exit', (status) => resolve({ status, text }));
    });
    assert.equal(ping.text.trim(), 'pong');
    assert.equal(ping.status, 0);
    child.stdin!.write('q()\n');
    assert.equal(await new Promise((r) => (child!.exitCode !== null ? r(child!.exitCode) : child!.once('exit', r))), 0, out);
  } finally {
    child?.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  }
});
