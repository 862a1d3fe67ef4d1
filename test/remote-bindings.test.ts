// The remote shells (otp remote NODE, and a release's bin/<name> remote) keep a line's top-level declarations for
// the lines after it, as otp shell does and as erl's remote shell keeps its bindings: `const x = 20` then `x + 1`.
// Before, each line's declarations died with it ('x is not defined' on the next line). A name declared again is
// refused in one line, and the next session (another remote shell) starts with none of them.
// The projects are generated inside the repository's _build/ so they resolve the workspace's packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';
import { ok, run } from './support/run.ts';
import { shellSession } from './support/shell-session.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const epmdPort = await privatePortMapper();

// The lines of one session, and what each prints: declarations print nothing (''), as in otp shell, and live on.
const session = (server: string): [string, string][] => [
  ['const x = 20', ''],
  ['x + 1', '21'],
  ['let n = 0; function inc() { return ++n }', ''],
  ['inc(); inc()', '2'],
  ['n', '2'],
  ['n = 10', '10'],
  ['inc()', '11'],
  [`const got = await call('${server}', { op: 'bump', key: 'visits', by: 3 })`, ''],
  ['got * 2', '6'],
  ['class Box { constructor(v) { this.v = v } }', ''],
  ['new Box(x).v', '20'],
  ["const { a, b: [c] } = { a: 1, b: [2] }", ''],
  ['a + c', '3'],
  ['const x = 2', "** Identifier 'x' has already been declared by an earlier line of this shell: give the new one another name, or assign to it (x = …) if it was declared with let"],
  ['x', '20'],
];

// The answers a session prints, in order (a declaration prints none).
const printed = (lines: [string, string][]): string[] => lines.map(([, answer]) => answer).filter((a) => a !== '');

function input(lines: [string, string][], last: string[] = []): string {
  return `${[...lines.map(([line]) => line), ...last, 'q()'].join('\n')}\n`;
}

test('otp remote keeps the top-level declarations of its lines for the lines after them', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'rembind-'));
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'rembind_cookie', NO_COLOR: '1' };
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', 'rembind', '--quiet'], { cwd: base, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const dir = join(base, 'rembind');
    const shell = shellSession(process.execPath, [bin, 'shell', '--sname', 'rembind_node'], { cwd: dir, env });
    try {
      await shell.waitOut('the shell node to start', /started rembind/, { ms: 180_000 });
      const lines = session('rembind_server');
      const remote = await run(process.execPath, [bin, 'remote', 'rembind_node@127.0.0.1'], dir, env, input(lines));
      // The declaration refused makes the piped shell's exit code 1, once every line ran.
      assert.equal(remote.status, 1, remote.out);
      assert.deepEqual(remote.stdout.trimEnd().split('\n'), printed(lines), remote.out);
      // Another remote shell is another session: none of the first one's names.
      const next = await run(process.execPath, [bin, 'remote', 'rembind_node@127.0.0.1'], dir, env, input([['typeof x', "'undefined'"], ['const x = 3; x', '3']]));
      assert.deepEqual(next.stdout.trimEnd().split('\n'), ["'undefined'", '3'], next.out);
    } finally {
      shell.kill();
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("a release's bin/<name> remote keeps the top-level declarations of its lines for the lines after them", { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'relbind-'));
  const dir = join(base, 'relbind');
  const rel = join(dir, '_build', 'prod', 'rel', 'relbind');
  const script = join(rel, 'bin', 'relbind');
  try {
    await ok(run(process.execPath, [bin, 'new', 'app', 'relbind', '--quiet'], base), 'otp new');
    await ok(run(process.execPath, [bin, 'release'], dir), 'otp release');
    await ok(run(script, ['daemon'], rel), 'daemon');
    const lines = session('relbind_server');
    const remote = await run(script, ['remote'], rel, process.env, input(lines));
    assert.equal(remote.status, 1, remote.out);
    // Piped, the release's remote shell prints its answers only, as otp remote does: one line each.
    assert.deepEqual(remote.stdout.trimEnd().split('\n'), printed(lines), remote.out);
  } finally {
    if (existsSync(script)) await run(script, ['stop'], rel);
    rmSync(base, { recursive: true, force: true });
  }
});
