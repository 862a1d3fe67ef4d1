// bin/<name> restart restarts the release's applications: one whose stop callback throws is stopped all the same
// (as OTP's, the error is logged) and started again, and one an operator stopped by hand (application.stop) is
// started again with the others, as OTP's init:restart. Before, the latter failed the restart (exit 1, 'is not
// started, so there is nothing to stop') and left the node up with every application stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

await privatePortMapper();

test('bin/<name> restart starts the applications again (new pids): one whose stop throws, and one stopped by hand', { timeout: 180_000 }, async () => {
  const project = releaseProject('rst', { prefix: 'relrestart-' });
  const { dir } = project;
  const sup = async () => ok(project.run(['eval', "String(whereis('rst_sup'))"]), 'whereis');
  try {
    await project.create();
    const appFile = join(dir, 'src', 'rst_app.ts');
    writeFileSync(appFile, readFileSync(appFile, 'utf8').replace(/\n};/, "\n  stop: () => {\n    throw new Error('stop failed on purpose');\n  },\n};"));
    await ok(project.otp(['release']), 'otp release');
    await ok(project.run(['daemon']), 'daemon');
    const first = await sup();
    assert.match(first, /^'?<\d+\.\d+\.\d+>'?$/);
    assert.match(await ok(project.run(['restart']), 'restart with a throwing stop'), /restarted rst/);
    const second = await sup();
    assert.match(second, /^'?<\d+\.\d+\.\d+>'?$/);
    assert.notEqual(second, first);
    await ok(project.run(['eval', "application.stop(ctx, 'rst')"]), 'stop by hand');
    const restarted = await project.run(['restart']);
    assert.equal(restarted.status, 0, restarted.out);
    assert.match(restarted.stdout, /restarted rst/);
    const third = await sup();
    assert.match(third, /^'?<\d+\.\d+\.\d+>'?$/, 'the application runs again');
    assert.notEqual(third, second);
  } finally {
    await project.remove();
  }
});
