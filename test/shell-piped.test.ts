// `otp shell` with its input piped and already closed, as `printf '...' | npx otp shell`: like node's REPL, a
// line that throws is printed, the next lines run, and the shell ends when the input does: exit 1 with one line on
// stderr counting the failed statements, as the piped remote shells end, so a CI script can tell (exit 0 before). Before,
// the line that threw never finished: the lines after it, q() and the end of the input all waited behind it.
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';
import { run } from './support/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const NAME = 'pipesh';
const epmdPort = await privatePortMapper();

test('otp shell with piped input: a line that throws is printed, the next lines run, and the end of the input ends the shell', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'pipesh_cookie', NO_COLOR: '1' };
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const dir = join(base, NAME);
    const lines = [
      'throw new Error("pipesh thrown")',
      '40 + 2',
      'await Promise.reject(new Error("pipesh rejected"))',
      `await call('${NAME}_server', { op: 'bump', key: 'visits', by: 1 })`,
      '6 * 7 + 1',
      "call('pipesh_nosuch', 1)",
    ];
    // run() closes stdin once it wrote the lines; a shell still running after 180 s is killed (status null).
    const shell = await run(process.execPath, [bin, 'shell'], dir, env, `${lines.join('\n')}\n`);
    assert.equal(shell.status, 1, `the shell ends with its input, exit 1 as lines failed:\n${shell.out}`);
    assert.equal(shell.stderr, 'otp: 3 of 6 statements failed in the shell (each printed as Uncaught …), so the shell exits 1: fix them, or end a statement that may fail with .catch(() => …)', shell.out);
    assert.match(shell.out, /Uncaught Error: pipesh thrown/, shell.out);
    // As in node's REPL, a thrown error shows the line's own frames only, not the REPL's and the shell's under it.
    assert.doesNotMatch(shell.out, /at (ContextifyScript|REPLServer|runLine|ShellJob|bound )|cli\/dist\//, `no frames of the shell itself:\n${shell.out}`);
    assert.match(shell.out, /otp> 42\n/, `the line after the one that threw runs:\n${shell.out}`);
    assert.match(shell.out, /Uncaught Error: pipesh rejected/, shell.out);
    assert.match(shell.out, /otp> 1\n/, `the application still answers:\n${shell.out}`);
    assert.match(shell.out, /otp> 43\n/, `the line after runs:\n${shell.out}`);
    // A call the runtime refuses (no such server) prints as its message and fields, not the runtime's frames.
    assert.match(shell.out, /CallError: call to pipesh_nosuch failed: no such process[\s\S]*failure: 'noproc'/, shell.out);
    assert.doesNotMatch(shell.out, /^\s+at .*(runtime|@otp-ts)[\\/]/m, `no frames of otp-ts itself:\n${shell.out}`);

    // q() after a line that threw ends the shell too.
    const quit = await run(process.execPath, [bin, 'shell'], dir, env, 'throw new Error("pipesh again")\nq()\n');
    assert.equal(quit.status, 1, quit.out);
    assert.match(quit.out, /Uncaught Error: pipesh again/, quit.out);
    assert.match(quit.stderr, /^otp: 1 of 1 statement failed in the shell /, quit.out);

    // Every line passed: exit 0, nothing on stderr.
    const good = await run(process.execPath, [bin, 'shell', '--quiet'], dir, env, 'const x = 1\nx + 1\n');
    assert.equal(good.status, 0, good.out);
    assert.equal(good.stderr, '', good.out);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
