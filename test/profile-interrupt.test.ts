// Ctrl-C during otp profile: the profile stops on the node (it sees this tool go), one line says so after the node
// confirmed nothing of ours still runs, exit 130, and a second profile right after is not refused as already running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { waitFor } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const traceNode = join(repo, 'test', 'fixtures', 'trace-node.ts');

test('Ctrl-C during otp profile: one line says the profile stopped and nothing is left running, exit 130, and a second profile right after runs', { timeout: 300_000 }, async () => {
  const port = await privatePortMapper();
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'ctrlc-secret', NO_COLOR: '1' };
  const peer = spawn(process.execPath, [...process.execArgv, traceNode, 'ctrlc@127.0.0.1', 'ctrlc-secret', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let peerOut = '';
  peer.stdout!.on('data', (c: Buffer) => (peerOut += c.toString()));
  peer.stderr!.on('data', (c: Buffer) => (peerOut += c.toString()));
  let client: ReturnType<typeof spawn> | undefined;
  try {
    await waitFor('the node to profile', () => /ready/.test(peerOut), { ms: 120_000 });
    const c = spawn(process.execPath, [otp, 'profile', 'ctrlc@127.0.0.1', '--time', '4m'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    client = c;
    let stderr = '';
    c.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
    await waitFor('the long profile to start', async () => /a profile is already running/.test((await run(process.execPath, [otp, 'profile', 'ctrlc@127.0.0.1', '--time', '1ms'], repo, env)).stderr), { ms: 120_000, everyMs: 200 });
    c.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /^otp: profile of ctrlc@127\.0\.0\.1 stopped \(Ctrl-C\), no profile was taken: nothing is left running on ctrlc@127\.0\.0\.1\n$/);
    const again = await run(process.execPath, [otp, 'profile', 'ctrlc@127.0.0.1', '--time', '100ms', '--top', '1'], repo, env);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.out, /^profiled ctrlc@127\.0\.0\.1 for \d+ ms/);
  } finally {
    client?.kill('SIGKILL');
    peer.kill('SIGKILL');
  }
});
