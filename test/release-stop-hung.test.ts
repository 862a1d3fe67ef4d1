// `bin/<name> stop` at 3 a.m. against a node that runs but does not answer (hung, or stopped with kill -STOP):
// it cannot stop it in order, so it says which process it is and how to end it, instead of only "sent nothing".
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';
import { ok } from './support/run.ts';

const NAME = 'stophung';
const epmdPort = await privatePortMapper();

test('bin/<name> stop on a node that does not answer names its os pid and how to end it, exit 1; once it answers, stop stops it', { timeout: 300_000 }, async () => {
  const project = releaseProject(NAME, { env: { ...process.env, OTP_EPMD_PORT: String(epmdPort), NO_COLOR: '1' } });
  const { rel } = project;
  let osPid: number | undefined;
  try {
    await project.create();
    await ok(project.otp(['release']), 'otp release');
    await ok(project.run(['daemon']), 'daemon');
    osPid = Number(readFileSync(join(rel, 'run', `${NAME}.pid`), 'utf8'));
    process.kill(osPid, 'SIGSTOP');
    const hung = await project.run(['stop']);
    assert.equal(hung.status, 1, hung.out);
    assert.match(hung.stderr, new RegExp(`; its process \\(os pid ${osPid}, run/${NAME}\\.pid\\) runs but does not answer: if it is hung, end it with kill ${osPid} \\(kill -9 ${osPid} if it stays\\)$`));
    process.kill(osPid, 'SIGCONT');
    assert.equal(await ok(project.run(['stop']), 'stop once the node answers'), 'stopped');
    const gone = await project.run(['stop']);
    assert.deepEqual([gone.status, gone.stderr], [1, `${NAME}: ${NAME}@127.0.0.1 is not running: start it with bin/${NAME} daemon`]);
  } finally {
    if (osPid !== undefined) spawnSync('kill', ['-CONT', String(osPid)]);
    await project.remove();
  }
});
