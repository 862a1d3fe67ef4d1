// A release root where the node cannot write its pid file (run/ read-only, or a file in its place): daemon and foreground
// refuse to start (exit 1) naming the folder, why and the fix, before anything boots; foreground booted the node and then
// crashed with a stack trace, daemon printed the system's raw error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

await privatePortMapper();

test('daemon and foreground in a release root whose run/ cannot be written refuse to start (exit 1) naming run/, why and the fix; nothing boots', { timeout: 180_000 }, async () => {
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
      assert.match(r.stderr, new RegExp(`^rofs: rofs was not started: run/ in its release root .*rofs cannot be written, .*\\(E[A-Z]+\\), and the node writes its pid to run/.*: make the root writable \\(or copy it to a writable place and start it there\\)$`), command);
      assert.equal((await script(['ping'])).stdout, 'pang');
    }
    assert.equal(readFileSync(join(rel, 'run'), 'utf8'), 'in the way\n');
  } finally {
    await project.remove();
  }
});
