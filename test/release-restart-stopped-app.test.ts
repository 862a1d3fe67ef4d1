// bin/<name> restart restarts the release's applications: one whose stop callback throws is stopped all the same
// (as OTP's, the error is logged) and started again, and one an operator stopped by hand (application.stop) is
// started again with the others, as OTP's init:restart. Before, the latter failed the restart (exit 1, 'is not
// started, so there is nothing to stop') and left the node up with every application stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
await privatePortMapper();
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

test('bin/<name> restart starts the applications again (new pids): one whose stop throws, and one stopped by hand', { timeout: 180_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'relrestart-'));
  const dir = join(base, 'rst');
  const rel = join(dir, '_build', 'prod', 'rel', 'rst');
  const script = join(rel, 'bin', 'rst');
  const sup = async () => ok(run(script, ['eval', "String(whereis('rst_sup'))"], rel), 'whereis');
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'rst', '--quiet'], base), 'otp new');
    const appFile = join(dir, 'src', 'rst_app.ts');
    writeFileSync(appFile, readFileSync(appFile, 'utf8').replace(/\n};/, "\n  stop: () => {\n    throw new Error('stop failed on purpose');\n  },\n};"));
    await ok(run(process.execPath, [otp, 'release'], dir), 'otp release');
    await ok(run(script, ['daemon'], rel), 'daemon');
    const first = await sup();
    assert.match(first, /^'?<\d+\.\d+\.\d+>'?$/);
    assert.match(await ok(run(script, ['restart'], rel), 'restart with a throwing stop'), /restarted rst/);
    const second = await sup();
    assert.match(second, /^'?<\d+\.\d+\.\d+>'?$/);
    assert.notEqual(second, first);
    await ok(run(script, ['eval', "application.stop(ctx, 'rst')"], rel), 'stop by hand');
    const restarted = await run(script, ['restart'], rel);
    assert.equal(restarted.status, 0, restarted.out);
    assert.match(restarted.stdout, /restarted rst/);
    const third = await sup();
    assert.match(third, /^'?<\d+\.\d+\.\d+>'?$/, 'the application runs again');
    assert.notEqual(third, second);
  } finally {
    if (existsSync(script)) await run(script, ['stop'], rel);
    rmSync(base, { recursive: true, force: true });
  }
});
