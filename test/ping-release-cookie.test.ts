// The README's newcomer path ends with `npx otp ping <name>@127.0.0.1` against the project's running release.
// The release has a cookie of its own (generated into its node.args), not the one in ~/.otp-ts.cookie: inside
// the project, otp must find it without --cookie or OTP_COOKIE; a wrong --cookie still gets pang and says why.
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';
import { ok, run } from './support/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const NAME = 'pingck';
const epmdPort = await privatePortMapper();

test("inside a project, otp ping reaches the project's running release with the release's own cookie", { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const home = join(base, 'home');
  mkdirSync(home);
  // A home of its own, so ~/.otp-ts.cookie is a fresh one and never the release's; no OTP_COOKIE.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, USERPROFILE: home, OTP_EPMD_PORT: String(epmdPort), NO_COLOR: '1' };
  delete env.OTP_COOKIE;
  const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
  assert.equal(created.status, 0, created.stderr);
  const dir = join(base, NAME);
  const script = join(dir, '_build', 'prod', 'rel', NAME, 'bin', NAME);
  const node = `${NAME}@127.0.0.1`;
  try {
    await ok(run(process.execPath, [bin, 'release'], dir, env), 'otp release');
    const nodeArgs = readFileSync(join(dir, '_build', 'prod', 'rel', NAME, 'releases', '0.1.0', 'node.args'), 'utf8');
    const cookie = /--setcookie\s+(\S+)/.exec(nodeArgs)?.[1];
    assert.ok(cookie, `the release generated a cookie of its own:\n${nodeArgs}`);
    await ok(run(script, ['daemon'], dir, env), 'daemon');

    const pinged = await run(process.execPath, [bin, 'ping', node], dir, env);
    assert.equal(pinged.stdout.trim(), 'pong', `otp ping inside the project, no --cookie:\n${pinged.out}`);
    assert.equal(pinged.status, 0, pinged.out);
    assert.ok(!pinged.out.includes(cookie), 'the cookie is never printed');

    const wrong = await run(process.execPath, [bin, 'ping', node, '--cookie', 'not_the_release_cookie'], dir, env);
    assert.equal(wrong.stdout.trim(), 'pang', wrong.out);
    assert.equal(wrong.status, 1, wrong.out);
    assert.match(wrong.stderr, /cookie/, `pang says why:\n${wrong.out}`);
    assert.ok(!wrong.out.includes(cookie), 'the cookie is never printed');

    // Outside the project the release's cookie is not in reach: ~/.otp-ts.cookie is used, as before.
    const outside = await run(process.execPath, [bin, 'ping', node], home, env);
    assert.equal(outside.stdout.trim(), 'pang', outside.out);
  } finally {
    if (existsSync(script)) await run(script, ['stop'], dir, env);
    rmSync(base, { recursive: true, force: true });
  }
});

test("otp ping finds the release's cookie under otp.config.ts's build.outDir, not only under _build", { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-out-`));
  const home = join(base, 'home');
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, USERPROFILE: home, OTP_EPMD_PORT: String(epmdPort), NO_COLOR: '1' };
  delete env.OTP_COOKIE;
  const name = `${NAME}out`;
  const created = spawnSync(process.execPath, [bin, 'new', 'app', name, '--quiet'], { cwd: base, env, encoding: 'utf8' });
  assert.equal(created.status, 0, created.stderr);
  const dir = join(base, name);
  const config = join(dir, 'otp.config.ts');
  const edited = readFileSync(config, 'utf8').replace('defineConfig({', "defineConfig({\n  build: { outDir: 'out' },");
  assert.match(edited, /outDir: 'out'/, 'the edit applied');
  writeFileSync(config, edited);
  const script = join(dir, 'out', 'prod', 'rel', name, 'bin', name);
  try {
    await ok(run(process.execPath, [bin, 'release'], dir, env), 'otp release');
    assert.ok(existsSync(script), 'the release is under out/');
    await ok(run(script, ['daemon'], dir, env), 'daemon');
    const pinged = await run(process.execPath, [bin, 'ping', `${name}@127.0.0.1`], dir, env);
    assert.equal(pinged.stdout.trim(), 'pong', `otp ping inside the project, no --cookie:\n${pinged.out}`);
    assert.equal(pinged.status, 0, pinged.out);
  } finally {
    if (existsSync(script)) await run(script, ['stop'], dir, env);
    rmSync(base, { recursive: true, force: true });
  }
});
