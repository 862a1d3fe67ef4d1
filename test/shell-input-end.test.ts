// Where the input of a shell ends (a pipe, Ctrl-D) while a statement is still running or still being read.
// `otp shell` on a named node kept running for ever when the last piped line awaited a promise that never
// settles (the node's distribution keeps the process alive, so "nothing left to do" was never seen); and
// `otp remote` read `.exit` typed inside a statement as more of the statement, where otp shell quits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';
import { run } from './support/run.ts';
import { shellSession } from './support/shell-session.ts';

const shop = fileURLToPath(new URL('../examples/shop', import.meta.url));
const epmdPort = await privatePortMapper();

test('a named otp shell whose piped input ends on a line that never settles abandons it within its bound and exits; otp remote quits at .exit inside a statement', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'otp-input-end-'));
  cpSync(shop, dir, { recursive: true });
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'inputend_cookie', NO_COLOR: '1' };
  try {
    const lines = ['await new Promise((r) => setTimeout(r, 20)); 40 + 2', 'new Promise(() => {})', '6 * 7 + 1'];
    const piped = await run(process.execPath, [bin, 'shell', '--quiet', '--sname', 'inputend_a', '--eval-await-timeout', '1500'], dir, env, `${lines.join('\n')}\n`);
    // The abandoned line failed: exit 1.
    assert.equal(piped.status, 1, piped.out);
    assert.match(piped.stdout, /^otp> 42\n/, piped.out);
    assert.match(piped.stdout, /the input ended and the line "new Promise\(\(\) => \{\}\)" had no result after 1500 ms: it was abandoned, and the 1 line after it not run; stopping the shell \(--eval-await-timeout gives a line longer\)/, piped.out);
    assert.doesNotMatch(piped.stdout, /43/, `the line after the abandoned one does not run:\n${piped.out}`);

    // The quit commands are the remote shells': `quit;` quits otp shell too, after the line before it ran.
    const quit = await run(process.execPath, [bin, 'shell', '--quiet'], dir, env, '40 + 2\nquit;\n6 * 7 + 1\n');
    assert.equal(quit.status, 0, quit.out);
    assert.match(quit.stdout, /^otp> 42\n/, quit.out);
    assert.doesNotMatch(quit.stdout, /43|not defined/, `quit; quits otp shell:\n${quit.out}`);

    const badBound = await run(process.execPath, [bin, 'shell', '--quiet', '--eval-await-timeout', 'soon'], dir, env, '1\n');
    assert.equal(badBound.status, 2, badBound.out);
    assert.match(badBound.stderr, /--eval-await-timeout soon is not a whole number of milliseconds[^]*e\.g\. --eval-await-timeout 5000/, badBound.out);

    const node = shellSession(process.execPath, [bin, 'shell', '--sname', 'inputend_b'], { cwd: dir, env });
    try {
      await node.waitOut('the shell node to start', /started shop/, { ms: 180_000 });
      const remote = await run(process.execPath, [bin, 'remote', 'inputend_b@127.0.0.1'], dir, env, '40 + 2\nconst settings = {\n  retries: 3,\n.exit\n6 * 7 + 1\n');
      assert.equal(remote.status, 0, remote.out);
      assert.equal(remote.stdout, '42', `.exit inside a statement quits, and nothing after it runs:\n${remote.out}`);
      const broken = await run(process.execPath, [bin, 'remote', 'inputend_b@127.0.0.1'], dir, env, 'const settings = {\n  retries: 3,\n.break\n6 * 7 + 1\n.break\n');
      assert.equal(broken.status, 0, broken.out);
      assert.equal(broken.stdout, '43', `.break drops the statement being read, as in otp shell:\n${broken.out}`);
      const semicolon = await run(process.execPath, [bin, 'remote', 'inputend_b@127.0.0.1'], dir, env, '1\nq();\n2\n');
      assert.equal(semicolon.stdout, '1', `q(); quits otp remote as it quits otp shell:\n${semicolon.out}`);
    } finally {
      node.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
