// `otp shell` asked to quit (.exit as it is read, q() as it runs) ends as asked. `.exit` typed inside a statement
// also said the input ended inside a statement, which was not run, as if the user had not asked; the lines a pipe
// held after `.exit` or `q()` still ran; and a statement dropped with `.break` was reported as cut short at the end.
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
const NAME = 'quitsh';
const epmdPort = await privatePortMapper();

test('otp shell quits as asked: .exit inside a statement, and the lines after .exit or q(), run nothing more and say nothing', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'quitsh_cookie', NO_COLOR: '1' };
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const dir = join(base, NAME);
    const shell = (input: string): ReturnType<typeof run> => run(process.execPath, [bin, 'shell', '--quiet'], dir, env, input);

    const midStatement = await shell('const settings = {\n  retries: 3,\n.exit\n');
    assert.equal(midStatement.status, 0, midStatement.out);
    assert.doesNotMatch(midStatement.out, /input ended|not run|Error/, `.exit inside a statement just exits:\n${midStatement.out}`);

    const afterExit = await shell('const settings = {\n  retries: 3,\n.exit\n6 * 7 + 1\n');
    assert.equal(afterExit.status, 0, afterExit.out);
    assert.doesNotMatch(afterExit.out, /43|Error/, `nothing after .exit runs:\n${afterExit.out}`);

    // The line before .exit still runs (it waits on a timer as .exit is read), the one after does not.
    const ordered = await shell('await new Promise((r) => setTimeout(r, 200)); 40 + 2\n.exit\n6 * 7 + 1\n');
    assert.equal(ordered.status, 0, ordered.out);
    assert.match(ordered.out, /otp> 42\n/, `the line before .exit runs:\n${ordered.out}`);
    assert.doesNotMatch(ordered.out, /43/, `the line after .exit does not:\n${ordered.out}`);

    const afterQ = await shell('40 + 2\nq()\n6 * 7 + 1\nconst open = {\n');
    assert.equal(afterQ.status, 0, afterQ.out);
    assert.match(afterQ.out, /(?:otp> |\.\.\. )42\n/, afterQ.out);
    assert.doesNotMatch(afterQ.out, /43|input ended/, `nothing after q() runs or is reported:\n${afterQ.out}`);

    const broken = await shell('const settings = {\n  retries: 3,\n.break\n6 * 7 + 1\n');
    assert.equal(broken.status, 0, broken.out);
    assert.match(broken.out, /otp> 43\n/, `the line after .break runs alone:\n${broken.out}`);
    const brokenAtEnd = await shell('const settings = {\n  retries: 3,\n.break\n');
    assert.doesNotMatch(brokenAtEnd.out, /input ended/, `a statement dropped with .break is not reported at the end:\n${brokenAtEnd.out}`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
