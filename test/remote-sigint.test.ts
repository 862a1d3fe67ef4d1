// End to end: a piped otp remote that a real SIGINT reaches while a line is awaited ends with exit 130 (as a shell
// reports SIGINT) and one line on stderr, the node running on and answering the next shell. Before, the signal
// killed the process outright: no exit code of its own, and its session was never ended on the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { peerNode, shellSession } from './support/shell-session.ts';
import { waitFor } from './support/wait.ts';

test('a piped otp remote killed by SIGINT while a line awaits exits 130, the node untouched', { timeout: 300_000 }, async () => {
  const peer = await peerNode('rsigint@127.0.0.1', 'remote-sigint');
  const remote = shellSession(process.execPath, [bin, 'remote', 'rsigint@127.0.0.1'], { env: peer.env });
  try {
    remote.write('globalThis.sigintSeen = 0; 20 + 22\n');
    await remote.waitOut('the first line answered', '42');
    // The line marks the node once it runs, then awaits for ever.
    remote.write('globalThis.sigintSeen = 1; await new Promise(() => {})\n');
    const probe = async (): Promise<string> => (await run(process.execPath, [bin, 'rpc', 'rsigint@127.0.0.1', 'otp', 'eval', '["globalThis.sigintSeen"]'], process.cwd(), peer.env)).stdout;
    await waitFor('the awaiting line to run', async () => (await probe()).includes('1'), { ms: 60_000, everyMs: 300 });
    remote.kill('SIGINT');
    assert.deepEqual(await remote.exited, [130, null], remote.stdout() + remote.stderr());
    assert.equal(remote.stdout(), '42\n', remote.stdout() + remote.stderr());
    assert.match(remote.stderr(), /^otp: interrupted \(SIGINT\): the remote shell ends; rsigint@127\.0\.0\.1 runs on\n$/, remote.stderr());
    // The node runs on, and answers another shell.
    assert.equal(peer.exitCode(), null);
    const next = await run(process.execPath, [bin, 'remote', 'rsigint@127.0.0.1'], process.cwd(), peer.env, '2 + 2\n');
    assert.equal(next.stdout, '4', next.out);
  } finally {
    remote.kill();
    await peer.stop();
  }
});
