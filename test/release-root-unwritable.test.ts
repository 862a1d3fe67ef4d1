// A release root where the node cannot write its pid file (run/ read-only, or a file in its place): daemon and foreground
// refuse to start (exit 1) naming the folder, why and the fix, before anything boots; foreground booted the node and then
// crashed with a stack trace, daemon printed the system's raw error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

await privatePortMapper();

test('daemon and foreground in a release root whose run/ cannot be written refuse to start (exit 1) naming run/, why and the fix, as they do a pid or log file they cannot write; nothing boots', { timeout: 180_000 }, async () => {
  const project = releaseProject('rofs', { prefix: 'unwritable-' });
  const { rel } = project;
  const script = (args: string[]) => project.run(args);
  try {
    await project.create();
    await ok(project.otp(['release']), 'otp release');
    rmSync(join(rel, 'run'), { recursive: true, force: true });
    writeFileSync(join(rel, 'run'), 'in the way\n');
    for (const command of ['daemon', 'foreground']) {
      const r = await script([command]);
      assert.equal(r.status, 1, `${command}: ${r.out}`);
      assert.doesNotMatch(r.out, /started rofs|\n\s+at /, `${command} booted nothing and printed no stack`);
      // A file in the folder's place is named with its own fix: making the root writable would not move it.
      assert.match(r.stderr, new RegExp(`^rofs: rofs was not started: .*rofs/run is a file where the node needs a folder, as it writes its pid to run/.*: move or remove that file, then start it again$`), command);
      assert.equal((await script(['ping'])).stdout, 'pang');
    }
    assert.equal(readFileSync(join(rel, 'run'), 'utf8'), 'in the way\n');
    rmSync(join(rel, 'run'));
    // A pid or log file the node cannot write (a folder in its place here; one left by another user is refused alike):
    // the daemon booted a node that crashed into a crash dump, foreground printed a stack, and a log folder got the
    // system's raw EISDIR line.
    for (const [file, commands] of [['run/rofs.pid', ['daemon', 'foreground']], ['log/rofs.log', ['daemon']]] as const) {
      mkdirSync(join(rel, file), { recursive: true });
      for (const command of commands) {
        const r = await script([command]);
        assert.equal(r.status, 1, `${command} with ${file} a folder: ${r.out}`);
        assert.doesNotMatch(r.out, /started rofs|\n\s+at |EISDIR:/, `${command} booted nothing and printed no stack`);
        assert.equal(r.stderr, `rofs: rofs was not started: ${file} in its release root ${rel} cannot be written, a folder stands where a file goes (EISDIR): remove it, or let the user who starts the node write it (chown), then start it again`, command);
        assert.equal(existsSync(join(rel, 'otp_crash.dump')), false, `${command} left no crash dump`);
        assert.equal((await script(['ping'])).stdout, 'pang');
      }
      rmSync(join(rel, file), { recursive: true });
    }
    assert.match(await ok(script(['daemon']), 'daemon once the files are fixed'), /^started rofs 0\.1\.0/);
    assert.equal((await script(['ping'])).stdout, 'pong');
  } finally {
    await project.remove();
  }
});
