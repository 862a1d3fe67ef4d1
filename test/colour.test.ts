// Colour through a pipe: none by default and with NO_COLOR, some with FORCE_COLOR, in the otp command's
// errors and help, otp test's pass/fail lines and the release start script's help. (On a terminal
// colour is on by default: @otp-ts/runtime/tools' colourEnabled, unit-tested in packages/runtime.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const ESC = '\x1b[';
const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const BOLD = '\x1b[1m';

// The environment without either variable, plus `extra`.
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  return { ...env, ...extra };
}

const otp = (extra: Record<string, string>, args: string[], cwd = repo) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: envWith(extra), timeout: 180_000 });

test('otp errors are red and help headings bold only with FORCE_COLOR through a pipe; NO_COLOR and a plain pipe get none', () => {
  const forced = otp({ FORCE_COLOR: '1' }, ['nosuchcommand']);
  assert.equal(forced.status, 2);
  assert.ok(forced.stderr.startsWith(`${RED}otp: unknown command 'nosuchcommand'`), JSON.stringify(forced.stderr));
  const help = otp({ FORCE_COLOR: '1' }, ['--help']);
  assert.ok(help.stdout.includes(`${BOLD}Commands:`), JSON.stringify(help.stdout.slice(0, 300)));
  for (const extra of [{}, { NO_COLOR: '1' }] as Record<string, string>[]) {
    const plain = otp(extra, ['nosuchcommand']);
    assert.equal(plain.status, 2);
    assert.ok(!plain.stderr.includes(ESC), `${JSON.stringify(extra)}: ${JSON.stringify(plain.stderr)}`);
    assert.ok(!otp(extra, ['--help']).stdout.includes(ESC), JSON.stringify(extra));
  }
});

test("otp test's passing file is green and its failures red with FORCE_COLOR; without, plain text", { timeout: 300_000 }, () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'tint-'));
  try {
    assert.equal(otp({}, ['new', 'lib', 'tint', '--quiet'], base).status, 0);
    const dir = join(base, 'tint');
    writeFileSync(join(dir, 'test', 'tint_broken.test.ts'), "import { assertEqual } from '@otp-ts/test-runner/assert';\n\n/** Fails on purpose. */\nexport const brokenTest = () => assertEqual(1 + 1, 3);\n");
    const forced = otp({ FORCE_COLOR: '1' }, ['test'], dir);
    assert.equal(forced.status, 1, forced.stdout + forced.stderr);
    assert.match(forced.stdout, new RegExp(`${GREEN.replace('[', '\\[')}✔ test/tint\\.test\\.ts`));
    assert.match(forced.stdout, new RegExp(`${RED.replace('[', '\\[')}✖ test/tint_broken\\.test\\.ts`));
    assert.match(forced.stdout, new RegExp(`${RED.replace('[', '\\[')}\\d+ passed, 1 failed`));
    const plain = otp({ NO_COLOR: '1' }, ['test'], dir);
    assert.equal(plain.status, 1);
    assert.match(plain.stdout, /^\d+ passed, 1 failed$/m);
    assert.ok(!plain.stdout.includes(ESC), plain.stdout);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("the release start script's help headings are bold and its errors red with FORCE_COLOR only", () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-colour-script-'));
  try {
    mkdirSync(join(root, 'releases'));
    writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'tinted', releases: [] }));
    const control = join(repo, 'packages', 'release', 'dist', 'control.js');
    const run = (extra: Record<string, string>) => spawnSync(process.execPath, [control, 'help'], { encoding: 'utf8', env: envWith({ ...extra, OTP_RELEASE_ROOT: root }) });
    const forced = run({ FORCE_COLOR: '1' });
    assert.equal(forced.status, 0, forced.stderr);
    assert.ok(forced.stdout.startsWith('bin/tinted <command> [options]'), JSON.stringify(forced.stdout.slice(0, 80)));
    assert.ok(forced.stdout.includes(`${BOLD}Commands:`) && forced.stdout.includes(`${BOLD}Examples:`), JSON.stringify(forced.stdout));
    for (const extra of [{}, { NO_COLOR: '1' }] as Record<string, string>[]) {
      const plain = run(extra).stdout;
      assert.ok(plain.includes('\nCommands:\n') && !plain.includes('\u001b['), JSON.stringify(extra));
    }
    const wrong = spawnSync(process.execPath, [control, 'nosuchcommand'], { encoding: 'utf8', env: envWith({ FORCE_COLOR: '1', OTP_RELEASE_ROOT: root }) });
    assert.equal(wrong.status, 2);
    assert.ok(wrong.stderr.startsWith(`${RED}tinted: unknown command 'nosuchcommand'`), JSON.stringify(wrong.stderr));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
