// The start script run by an unprivileged user (uid 65534, as a service account would), which a test run as root
// cannot otherwise exercise: access(W_OK) and the open of a cookie file readable by its owner only answer yes to root.
// A release root another user owns, or its run/ or log/ folder or pid file left by root's earlier start, is refused
// in one sentence naming the path, the user and the fix; the raw "EACCES: permission denied, open …" it printed for a
// node.args it could not read is gone. Once the user owns what the node writes, it boots, answers and stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileReleaseProject } from './support/release-project.ts';
import { ok, run } from './support/run.ts';

const NAME = 'unpriv';
const UID = 65534;
// How to run a command as UID: setpriv (util-linux) or runuser, whichever this system has.
const setpriv = spawnSync('setpriv', ['--version']).status === 0;
const runuser = !setpriv && spawnSync('runuser', ['--help']).status === 0;
// The user's name, as the start script's lines give it (its uid when the system has no name for it).
const nobody = spawnSync('id', ['-nu', String(UID)], { encoding: 'utf8' }).stdout?.trim() ?? '';
const skip =
  process.platform === 'win32' ? 'no POSIX users on Windows'
  : process.getuid?.() !== 0 ? 'switching to another user needs root'
  : !setpriv && !runuser ? 'neither setpriv nor runuser is installed'
  : runuser && nobody === '' ? `runuser needs a user name for uid ${UID}, and this system has none`
  : false;

const project = await fileReleaseProject(NAME);
const { rel, script } = project;
const as = (args: string[]) =>
  setpriv
    ? run('setpriv', [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', script, ...args], rel, project.env)
    : run('runuser', ['-u', nobody, '--', script, ...args], rel, project.env);
const chownTree = (path: string, uid: number): void => void spawnSync('chown', ['-R', `${uid}:${uid}`, path]);

test('the start script run by an unprivileged user names the file it may not read or the folder it may not write, the user and the fix (exit 1), nothing booted; once it owns them the node boots and stops', { skip, timeout: 300_000 }, async (t) => {
  await project.create();
  await ok(project.otp(['release']), 'otp release');
  // The fresh folder is 0700 (mkdtemp): open the way to the release root to every user.
  for (let dir = rel; dir !== project.base; dir = dirname(dir)) chmodSync(dir, 0o755);
  chmodSync(project.base, 0o755);
  const reach = await as(['help']);
  if (reach.status !== 0) {
    // A folder above the repository's _build that uid 65534 may not pass through: nothing of the release can be tested.
    t.skip(`uid ${UID} cannot reach ${rel}: ${reach.out}`);
    return;
  }
  const user = nobody === '' ? `uid ${UID}` : nobody;
  const pang = async (): Promise<void> => assert.equal((await project.run(['ping'])).stdout, 'pang', 'nothing booted');

  // A root built by root: node.args (the cookie, mode 600) cannot be read, which every command needs.
  for (const command of ['daemon', 'foreground', 'ping', 'stop']) {
    const r = await as([command]);
    assert.equal(r.status, 1, `${command}: ${r.out}`);
    assert.equal(r.stderr, `${NAME}: releases/0.1.0/node.args in the release root ${rel} cannot be used by this user (${user}, uid ${UID}), permission denied (EACCES), and the root belongs to uid 0: run bin/${NAME} as the user who owns the release, or give ${user} the root (chown -R ${user} ${rel})`, command);
  }
  await pang();

  // The root handed to the user, but run/ and log/ still root's from an earlier start as root.
  chownTree(rel, UID);
  for (const folder of ['run', 'log']) {
    mkdirSync(join(rel, folder), { recursive: true });
    chownSync(join(rel, folder), 0, 0);
  }
  for (const [folder, commands] of [['run', ['daemon', 'foreground']], ['log', ['daemon']]] as const) {
    for (const command of commands) {
      const r = await as([command]);
      assert.equal(r.status, 1, `${command}: ${r.out}`);
      const needs = command === 'daemon' ? 'its pid to run/ and its log to log/' : 'its pid to run/';
      assert.equal(r.stderr, `${NAME}: ${NAME} was not started: ${folder}/ in its release root ${rel} cannot be written by ${user}, permission denied (EACCES), and the node writes ${needs}: start it as the user who owns ${folder}/, or let ${user} write it (chown -R ${user} ${join(rel, folder)})`, command);
      await pang();
    }
    chownSync(join(rel, folder), UID, UID);
  }

  // A pid file root's node left (mode 644, root's): access(W_OK) says no to this user only.
  const pidFile = join(rel, 'run', `${NAME}.pid`);
  writeFileSync(pidFile, '1\n', { mode: 0o644 });
  for (const command of ['daemon', 'foreground']) {
    const r = await as([command]);
    assert.equal(r.status, 1, `${command}: ${r.out}`);
    assert.equal(r.stderr, `${NAME}: ${NAME} was not started: run/${NAME}.pid in its release root ${rel} cannot be written, permission denied (EACCES): remove it, or let the user who starts the node write it (chown), then start it again`, command);
    await pang();
  }
  rmSync(pidFile);

  assert.match(await ok(as(['daemon']), 'daemon as the user who owns the root'), new RegExp(`^started ${NAME} 0\\.1\\.0`));
  assert.equal(await ok(as(['ping']), 'ping'), 'pong');
  assert.equal(await ok(as(['stop']), 'stop'), 'stopped');
  assert.equal(existsSync(pidFile), false, 'stop removed the pid file');
});
