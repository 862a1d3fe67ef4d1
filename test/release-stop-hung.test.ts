// `bin/<name> stop` at 3 a.m. against a node that runs but does not answer (hung, or stopped with kill -STOP):
// it cannot stop it in order, so it says which process it is and how to end it, instead of only "sent nothing".
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';
import { ok, run } from './support/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const NAME = 'stophung';
const epmdPort = await privatePortMapper();

test('bin/<name> stop on a node that does not answer names its os pid and how to end it, exit 1; once it answers, stop stops it', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, OTP_EPMD_PORT: String(epmdPort), NO_COLOR: '1' };
  assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' }).status, 0);
  const dir = join(base, NAME);
  const rel = join(dir, '_build', 'prod', 'rel', NAME);
  const script = join(rel, 'bin', NAME);
  let osPid: number | undefined;
  try {
    await ok(run(process.execPath, [bin, 'release'], dir, env), 'otp release');
    await ok(run(script, ['daemon'], rel, env), 'daemon');
    osPid = Number(readFileSync(join(rel, 'run', `${NAME}.pid`), 'utf8'));
    process.kill(osPid, 'SIGSTOP');
    const hung = await run(script, ['stop'], rel, env);
    assert.equal(hung.status, 1, hung.out);
    assert.match(hung.stderr, new RegExp(`; its process \\(os pid ${osPid}, run/${NAME}\\.pid\\) runs but does not answer: if it is hung, end it with kill ${osPid} \\(kill -9 ${osPid} if it stays\\)$`));
    process.kill(osPid, 'SIGCONT');
    assert.equal(await ok(run(script, ['stop'], rel, env), 'stop once the node answers'), 'stopped');
    const gone = await run(script, ['stop'], rel, env);
    assert.deepEqual([gone.status, gone.stderr], [1, `${NAME}: ${NAME}@127.0.0.1 is not running: start it with bin/${NAME} daemon`]);
  } finally {
    if (osPid !== undefined) spawnSync('kill', ['-CONT', String(osPid)]);
    if (existsSync(script)) await run(script, ['stop'], rel, env);
    rmSync(base, { recursive: true, force: true });
  }
});
