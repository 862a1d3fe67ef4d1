// `otp shell` with a statement spread over several lines, pasted or piped (`otp shell < setup.js`): like node's
// REPL, a line cut short (`function sq(x) {`) is continued by the next ones and runs once whole. Before, the
// lines came faster than the shell ran them, so the REPL never saw the first one was cut short: each line ran on
// its own (`Illegal return statement`, `sq is not defined`), or later lines were swallowed into an endless `...`.
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
const NAME = 'multish';
const epmdPort = await privatePortMapper();

test('otp shell with piped input: statements over several lines run whole, and the lines after them run too', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'multish_cookie', NO_COLOR: '1' };
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const lines = [
      'function sq(x) {',
      '  return x * x;',
      '}',
      'sq(4) + 1000',
      'const order = {',
      "  key: 'visits',",
      '};',
      `await call('${NAME}_server', {`,
      "  op: 'bump', key: order.key, by: 7,",
      '})',
      '40 +',
      '2',
      '`two',
      'lines`.length',
      'throw new Error("multish thrown")',
      '6 * 7 + 1',
    ];
    const shell = await run(process.execPath, [bin, 'shell'], join(base, NAME), env, `${lines.join('\n')}\n`);
    assert.equal(shell.status, 1, `the shell ends with its input, exit 1 as a line threw:\n${shell.out}`);
    assert.doesNotMatch(shell.out, /SyntaxError|is not defined/, shell.out);
    assert.match(shell.out, /otp> 1016\n/, `a function typed over three lines is defined and called:\n${shell.out}`);
    assert.match(shell.out, /otp> 7\n/, `a call whose request spans three lines runs:\n${shell.out}`);
    assert.match(shell.out, /otp> 42\n/, `an expression continued on the next line:\n${shell.out}`);
    assert.match(shell.out, /otp> 9\n/, `a template literal over two lines:\n${shell.out}`);
    assert.match(shell.out, /Uncaught Error: multish thrown/, shell.out);
    assert.match(shell.out, /otp> 43\n/, `the last line runs:\n${shell.out}`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
