// The start script reached through links, as operators install it: `sh NAME` beside a relative link to it, and a
// relative link inside a folder that is itself a link (/usr/local/bin/shop -> ../deploy/current/bin/shop where
// /usr/local/bin is a link). The script read the first link's target against the link's own name and dropped "dir/.."
// by text rather than as the kernel follows it, so both failed with the shell's "can't cd", exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ok, run } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

await privatePortMapper();

test('bin/<name> runs through a relative link beside it (sh NAME), a relative link in a linked folder, on PATH, and by relative and absolute paths: all act on one root and one node', { timeout: 240_000 }, async () => {
  const project = releaseProject('linky', { prefix: 'links-', env: { ...process.env, NO_COLOR: '1' } });
  const { base, rel, script, env } = project;
  try {
    await project.create();
    await ok(project.otp(['release']), 'otp release');
    // base/srv/deploy/current -> the release root; base/srv/links/linky -> ../deploy/current/bin/linky; base/bin -> srv/links.
    mkdirSync(join(base, 'srv', 'deploy'), { recursive: true });
    mkdirSync(join(base, 'srv', 'links'));
    symlinkSync(rel, join(base, 'srv', 'deploy', 'current'));
    symlinkSync(join('..', 'deploy', 'current', 'bin', 'linky'), join(base, 'srv', 'links', 'linky'));
    symlinkSync(join('srv', 'links'), join(base, 'bin'));
    const linked = join(base, 'bin', 'linky');
    // base/here/linky -> a relative path to the script, run as `sh linky` from base/here.
    mkdirSync(join(base, 'here'));
    symlinkSync(relative(join(base, 'here'), script), join(base, 'here', 'linky'));

    const ways: [string, Promise<{ status: number | null; out: string; stdout: string }>][] = [
      ['sh NAME beside a relative link', run('sh', ['linky', 'versions'], join(base, 'here'), env)],
      ['a relative link in a linked folder', run(linked, ['versions'], base, env)],
      ['the linked folder on PATH', run('sh', ['-c', 'linky versions'], base, { ...env, PATH: `${join(base, 'bin')}:${env.PATH ?? ''}` })],
      ['a relative path', run(relative(base, script), ['versions'], base, env)],
      ['an absolute path', run(script, ['versions'], '/', env)],
    ];
    for (const [way, pending] of ways) {
      const r = await pending;
      assert.equal(r.status, 0, `${way}: ${r.out}`);
      assert.equal(r.stdout, '0.1.0        permanent', way);
    }

    // Started through the linked folder, the node is the root's: its pid file is in the root's run/, and `sh linky`
    // beside the other link pings it and the absolute path stops it.
    assert.match(await ok(run(linked, ['daemon'], base, env), 'daemon through the link'), /^started linky 0\.1\.0 as linky@127\.0\.0\.1 \(os pid \d+\)/);
    const pid = readFileSync(join(rel, 'run', 'linky.pid'), 'utf8').trim();
    assert.equal(await ok(run('sh', ['linky', 'pid'], join(base, 'here'), env), 'pid beside the link'), pid);
    assert.equal(await ok(run('sh', ['linky', 'ping'], join(base, 'here'), env), 'ping beside the link'), 'pong');
    assert.equal(await ok(run(script, ['stop'], '/', env), 'stop by absolute path'), 'stopped');
    assert.equal((await run(linked, ['ping'], base, env)).stdout, 'pang');
    assert.equal(existsSync(join(rel, 'run', 'linky.pid')), false, 'stop removed the pid file');
  } finally {
    await project.remove();
  }
});
