// A bad flag of a command that runs after compile (otp shell, otp release) is refused before the compile: exit 2, one
// sentence naming the flag, and no _build/ written, instead of the same refusal after compiling every module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

const refusals: [string[], RegExp][] = [
  [['shell', '--name', 'bad name!'], /^otp: --name bad name! is not a node name: use name@host/],
  [['shell', '--sname', 'a@b'], /^otp: --sname a@b is not a short node name/],
  [['shell', '--name', 'ops', '--proto', 'tls'], /^otp: --proto tls needs --ssl-cert FILE/],
  [['release', '--name', 'nope'], /^otp: otp\.config\.ts declares no release 'nope'/],
  [['release', '--upgrade-from', 'gone-0.1.0.tar.gz'], /^otp: --upgrade-from gone-0\.1\.0\.tar\.gz: no such tarball/],
];

test('otp shell and otp release refuse a bad flag before compiling: exit 2, the flag named, nothing built', { timeout: 180_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'flagsfirst-'));
  const dir = join(base, 'kiosk');
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'kiosk', '--quiet'], base), 'otp new');
    for (const [args, message] of refusals) {
      const r = await run(process.execPath, [otp, ...args], dir);
      assert.equal(r.status, 2, `otp ${args.join(' ')}: ${r.out}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.out, /compil/, `otp ${args.join(' ')} compiled before refusing its flag`);
      assert.equal(existsSync(join(dir, '_build')), false, `otp ${args.join(' ')} wrote _build/`);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('otp shell and otp release refuse a broken config/sys.config.json before compiling: exit 2, the file named, nothing built', { timeout: 180_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'sysconfigfirst-'));
  const dir = join(base, 'kiosk');
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'kiosk', '--quiet'], base), 'otp new');
    writeFileSync(join(dir, 'config', 'sys.config.json'), '{ "kiosk": ');
    for (const command of ['shell', 'release']) {
      const r = await run(process.execPath, [otp, command], dir);
      assert.equal(r.status, 2, `otp ${command}: ${r.out}`);
      assert.match(r.stderr, /^otp: \S+sys\.config\.json is not valid JSON/);
      assert.doesNotMatch(r.out, /compil/, `otp ${command} compiled before refusing sys.config.json`);
      assert.equal(existsSync(join(dir, '_build')), false, `otp ${command} wrote _build/`);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
