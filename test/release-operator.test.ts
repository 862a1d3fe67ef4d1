// The operator's mistakes on a running release, through its start script: each is refused with one line
// that names the thing and what to do, and leaves the running node and the release root as they were.
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileReleaseProject } from './support/release-project.ts';
import { ok, run } from './support/run.ts';

const NAME = 'operr';
const project = await fileReleaseProject(NAME, { stopMustSucceed: true });
const { base, rel, env } = project;

before(async () => {
  await project.create();
  await ok(project.otp(['release', '--tar']), 'otp release 0.1.0');
  await ok(project.run(['daemon']), 'daemon');
});

test('foreground while the node runs is refused as daemon is (exit 1, no crash dump, the node and its pid file untouched); foreground --vsn of a version the root lacks names those it has (exit 2)', { timeout: 300_000 }, async () => {
  const pid = readFileSync(join(rel, 'run', `${NAME}.pid`), 'utf8');
  const second = await project.run(['foreground']);
  assert.deepEqual([second.status, second.out.trim()], [1, `${NAME}: ${NAME}@127.0.0.1 is already running (os pid ${pid.trim()}): stop it first (bin/${NAME} stop)`]);
  assert.deepEqual(readdirSync(rel).filter((e) => e.includes('crash')), []);
  assert.equal(readFileSync(join(rel, 'run', `${NAME}.pid`), 'utf8'), pid);
  assert.equal(await ok(project.run(['ping']), 'ping'), 'pong');
  const unknown = await project.run(['foreground', '--vsn', '0.9.9']);
  assert.deepEqual([unknown.status, unknown.stderr], [2, `${NAME}: version 0.9.9 is not in this release root, which has 0.1.0: boot one of those, or unpack 0.9.9 first (bin/${NAME} unpack 0.9.9)`]);
});

test('unpack of a version installed already (by its version or its tarball) says nothing was unpacked, rather than advise an upgrade to it; RELEASES.json is untouched', { timeout: 300_000 }, async () => {
  const before = readFileSync(join(rel, 'releases', 'RELEASES.json'), 'utf8');
  for (const what of ['0.1.0', join(rel, `${NAME}-0.1.0.tar.gz`)]) {
    assert.equal(await ok(project.run(['unpack', what]), `unpack ${what}`), '0.1.0 is installed here already (permanent), so nothing was unpacked: it is what the next boot starts');
  }
  assert.equal(readFileSync(join(rel, 'releases', 'RELEASES.json'), 'utf8'), before);
});

test('a version is not booted (daemon, foreground) on another @otp-ts/runtime than it was built with, as a later build leaves the root: exit 2, naming both', { timeout: 300_000 }, async () => {
  // A copy of the root whose 0.1.0 says it was built with another runtime than the root's node_modules/ holds.
  const copy = join(base, 'copy');
  cpSync(rel, copy, { recursive: true });
  rmSync(join(copy, 'log'), { recursive: true, force: true });
  const file = join(copy, 'releases', '0.1.0', 'release.json');
  const release = JSON.parse(readFileSync(file, 'utf8')) as { runtime: string };
  const holds = (JSON.parse(readFileSync(join(copy, 'node_modules', '@otp-ts', 'runtime', 'package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(file, JSON.stringify({ ...release, runtime: '0.0.1-older' }));
  for (const command of ['daemon', 'foreground']) {
    const refused = await run(join(copy, 'bin', NAME), [command], copy, env);
    assert.equal(refused.status, 2, `${command}: ${refused.out}`);
    assert.equal(refused.stderr, `${NAME}: ${NAME} 0.1.0 was built with @otp-ts/runtime 0.0.1-older, but this release root holds @otp-ts/runtime ${holds} (node_modules/@otp-ts/runtime, from another version's build), so it is not booted on it: deploy 0.1.0 from its tarball into a root of its own (each tarball carries its runtime), boot a version built with ${holds} (foreground --vsn VSN), or rebuild 0.1.0 with @otp-ts/runtime ${holds}`);
  }
  assert.equal(existsSync(join(copy, 'log')), false, 'no node was started');
  assert.equal(await ok(project.run(['ping']), 'the running node is untouched'), 'pong');
});
