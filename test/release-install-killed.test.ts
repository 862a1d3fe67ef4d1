// `otp release` stopped while it moves the new version into the release root: SIGINT waits for the moves to end
// (the root is whole, the process exits 130), and a SIGKILL part way is undone by the next `otp release`, which
// puts back what the killed one had replaced. OTP_RELEASE_PAUSE_AT/OTP_RELEASE_PAUSE_FILE hold the install at a move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ok } from './support/run.ts';
import { waitFor } from './support/wait.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');
// bin/<name> versions registers with this file's own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();

// `otp release` held before install move `at`; resolves once it waits there, with its child process and exit.
async function pausedRelease(dir: string, at: number, gate: string) {
  const child = spawn(process.execPath, [otp, 'release'], { cwd: dir, env: { ...process.env, OTP_RELEASE_PAUSE_AT: String(at), OTP_RELEASE_PAUSE_FILE: gate }, stdio: 'ignore' });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await waitFor('the install to pause', () => existsSync(`${gate}.paused`) || undefined, { ms: 120_000, everyMs: 50 });
  rmSync(`${gate}.paused`);
  return { child, exit };
}

test('otp release killed by SIGKILL part way through its install is undone by the next one; SIGINT during the install is held until the root is whole', { timeout: 300_000 }, async () => {
  const project = releaseProject('kill', { prefix: 'killed-' });
  const { base, dir, rel } = project;
  const gate = join(base, 'gate');
  const code = () => readdirSync(join(rel, 'lib', 'kill-0.1.0'), { recursive: true }).filter((f) => String(f).endsWith('which.js')).map((f) => readFileSync(join(rel, 'lib', 'kill-0.1.0', String(f)), 'utf8')).join('');
  try {
    await project.create();
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'one';\n}\n");
    await ok(project.otp(['release']), 'otp release');
    assert.match(code(), /"one"/);
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'two';\n}\n");

    // Killed after its first move: the start script undoes it before its command reads the root.
    const first = await pausedRelease(dir, 1, gate);
    first.child.kill('SIGKILL');
    await first.exit;
    assert.match(code(), /"two"/, 'the killed install had moved the new lib in');
    const versions = await project.run(['versions']);
    assert.equal(versions.status, 0, versions.stderr);
    assert.match(versions.stderr, /undid the moves of an otp release killed while it installed into this root/);
    assert.match(code(), /"one"/, 'bin/kill put back what the killed install replaced');
    assert.deepEqual(readdirSync(dirname(rel)).filter((f) => f.includes('staging')), []);

    // Killed after its first move (lib/kill-0.1.0 replaced, the rest not): the old lib waits in the staging folder.
    const killed = await pausedRelease(dir, 1, gate);
    killed.child.kill('SIGKILL');
    await killed.exit;
    // The next run puts it back before it moves anything itself.
    const next = await pausedRelease(dir, 0, gate);
    assert.match(code(), /"one"/, 'what the killed install replaced is back in the root');
    assert.deepEqual(readdirSync(join(rel, 'releases')).filter((f) => f.endsWith('.tmp')), []);
    next.child.kill('SIGKILL');
    await next.exit;

    // SIGINT while paused: the install completes, then the process ends with the signal's code.
    const stopped = await pausedRelease(dir, 1, gate);
    stopped.child.kill('SIGINT');
    writeFileSync(gate, '');
    assert.deepEqual(await stopped.exit, { code: 130, signal: null });
    assert.match(code(), /"two"/);
    assert.equal(JSON.parse(readFileSync(join(rel, 'releases', 'RELEASES.json'), 'utf8')).releases[0].vsn, '0.1.0');
    assert.deepEqual(readdirSync(dirname(rel)).filter((f) => f.includes('staging')), []);
    assert.match(await ok(project.run(['versions']), 'versions'), /0\.1\.0\s+permanent/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
