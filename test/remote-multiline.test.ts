// `otp remote NODE < checks.js` (or a paste at its prompt) with a statement over several lines: like otp shell
// and node's REPL, a line cut short (`await call('remsh_server', {`) is joined with the lines that complete it
// and runs once whole. Before, each line was sent on its own: 'the code does not parse: Unexpected end of input'
// for the first, and the next lines failed or ran as fragments.
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
import { shellSession } from './support/shell-session.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const NAME = 'remsh';
const epmdPort = await privatePortMapper();

test('otp remote with piped input: statements over several lines run whole inside the node', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'remsh_cookie', NO_COLOR: '1' };
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const dir = join(base, NAME);
    const shell = shellSession(process.execPath, [bin, 'shell', '--sname', 'remsh_node'], { cwd: dir, env });
    try {
      await shell.waitOut('the shell node to start', /started remsh/, { ms: 180_000 });
      const lines = [`await call('${NAME}_server', {`, "  op: 'bump', key: 'visits', by: 7,", '})', '40 +', '2', '[1,', '  2, 3].length', 'q()'];
      const remote = await run(process.execPath, [bin, 'remote', 'remsh_node@127.0.0.1'], dir, env, `${lines.join('\n')}\n`);
      assert.equal(remote.status, 0, remote.out);
      assert.doesNotMatch(remote.out, /does not parse|\*\*/, remote.out);
      assert.deepEqual(remote.stdout.split('\n'), ['7', '42', '3'], remote.out);
    } finally {
      shell.kill();
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
