// One shell: the same helper lines typed into `otp shell`, into `otp remote` against that shell's node,
// and into a release's `bin/<name> remote` give the same answers (the helpers are defined once, in
// @otp-ts/runtime's shellScope). The project is generated inside the repository's _build/ so it
// resolves the workspace's packages as an installed project would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin } from './support/cli.ts';
import { ok, run } from './support/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const NAME = 'oneshell';
const END = "'@@end'";

// Lines that only read (so a fresh node answers them alike), using each kind of helper.
const LINES = [
  `await call('${NAME}_server', { op: 'count', key: 'visits' })`,
  `await genServer.call(ctx, '${NAME}_server', { op: 'keys' })`,
  `await sys.getState('${NAME}_server')`,
  `await sys.getState(ctx, '${NAME}_server')`,
  `(await application.whichApplications()).map((a) => a.name).includes('${NAME}')`,
  `processInfo(whereis('${NAME}_server')).status`,
  `processes().includes(whereis('${NAME}_sup'))`,
  `send(self(), { hello: 'shell' }); flush()`,
  `flush()`,
  `typeof mod('${NAME}/${NAME}_server').count`,
  `code.loaded().includes('${NAME}/${NAME}_server')`,
  `node.name`,
  `help()`,
];

// The answers between the END markers of a transcript, prompts removed.
function answers(transcript: string, prompt: RegExp): string[] {
  return transcript
    .split(END)
    .slice(0, LINES.length)
    .map((chunk) => chunk.replace(prompt, '').trim());
}

const input = `${LINES.flatMap((l) => [l, END]).join('\n')}\n`;

test('the same helper lines give the same answers in otp shell, otp remote and bin/<name> remote', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const epmd = new EpmdServer();
  const env = { ...process.env, OTP_EPMD_PORT: String(await epmd.listen(0)), OTP_COOKIE: 'one_shell_cookie', NO_COLOR: '1' };
  const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, encoding: 'utf8' });
  assert.equal(created.status, 0, created.stderr);
  const dir = join(base, NAME);
  const script = join(dir, '_build', 'prod', 'rel', NAME, 'bin', NAME);
  const shell = spawn(process.execPath, [bin, 'shell'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
  shell.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const until = async (re: RegExp): Promise<void> => {
    const deadline = Date.now() + 120_000;
    while (!re.test(out) && shell.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(out, re);
  };
  try {
    await until(/otp-ts shell \(oneshell@127\.0\.0\.1\): started oneshell.*\n/);
    const mark = out.length;
    shell.stdin.write(input);
    await until(new RegExp(`(${END}[^]*){${LINES.length}}`));
    const local = answers(out.slice(mark), /^(otp> )+/gm);

    const remote = await run(process.execPath, [bin, 'remote', `${NAME}@127.0.0.1`], dir, env, input);
    assert.equal(remote.status, 0, remote.out);
    assert.deepEqual(answers(remote.stdout, /^$/), local, 'otp remote answers as otp shell does');

    shell.stdin.write('q()\n');
    await new Promise((r) => (shell.exitCode === null ? shell.once('exit', r) : r(undefined)));

    await ok(run(process.execPath, [bin, 'release'], dir, env), 'otp release');
    await ok(run(script, ['daemon'], dir, env), 'daemon');
    const released = await run(script, ['remote'], dir, env, `${input}q()\n`);
    assert.equal(released.status, 0, released.out);
    const fromScript = answers(released.stdout, /^$/);
    assert.deepEqual(fromScript, local, 'bin/<name> remote answers as otp shell does');
    // What the lines answered, so a wrong answer everywhere fails too.
    assert.deepEqual(local.slice(0, 12), ['0', '[]', '{ counts: {} }', '{ counts: {} }', 'true', "'waiting'", 'true', "[ { hello: 'shell' } ]", '[]', "'function'", 'true', "'oneshell@127.0.0.1'"]);
    assert.match(local[12]!, /^call\(server, request, timeoutMs\?\) +gen_server call/);
  } finally {
    shell.kill('SIGKILL');
    if (existsSync(script)) await run(script, ['stop'], dir, env);
    epmd.close();
    rmSync(base, { recursive: true, force: true });
  }
});
