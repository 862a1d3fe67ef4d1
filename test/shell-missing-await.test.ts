// `otp shell`: a line that forgets await on a runtime call (its call still waits for the answer) is reported with
// a hint at the missing await, and the lines after it run; before, each next line failed with 'called receive
// while its previous receive is still pending'. The project is generated inside the repository's _build/.
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
const NAME = 'awaitsh';
const epmdPort = await privatePortMapper();

test('otp shell: a line that forgets await on a runtime call hints at the await, and the next lines still run', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'awaitsh_cookie', NO_COLOR: '1' };
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const dir = join(base, NAME);
    const lines = [
      'application.whichApplications().map(a => a.name)',
      `(await application.whichApplications()).map(a => a.name).includes('${NAME}')`,
      `await call('${NAME}_server', { op: 'bump', key: 'visits', by: 1 })`,
      '6 * 7 + 1',
    ];
    const shell = await run(process.execPath, [bin, 'shell'], dir, env, `${lines.join('\n')}\n`);
    // The line that forgot its await failed, so the piped shell ends with its input, exit 1, saying so.
    assert.equal(shell.status, 1, `the shell ends with its input, exit 1 for the failed line:\n${shell.out}`);
    assert.match(shell.out, /1 of 4 statements failed in the shell/, shell.out);
    assert.match(shell.out, /not awaited[^\n]*missing await/, shell.out);
    assert.doesNotMatch(shell.out, /previous receive is still pending/, shell.out);
    assert.match(shell.out, /(otp> |\n)true\n/, `the next line runs:\n${shell.out}`);
    assert.match(shell.out, /otp> 1\n/, `the application still answers:\n${shell.out}`);
    assert.match(shell.out, /otp> 43\n/, `the last line runs:\n${shell.out}`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
