// End to end: a remote shell refuses process.exit() however the line reaches the node's process, through the global
// object too (`globalThis.process.exit(0)`, `global.process.abort()`), and the node runs on. Before, `process.exit()`
// was refused but `globalThis.process.exit(0)` stopped the node, the remote shell ending with "went down".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { peerNode } from './support/shell-session.ts';

const NODE = 'rpguard@127.0.0.1';

test('otp remote: globalThis.process.exit() and global.process.abort() are refused; the node runs on', { timeout: 300_000 }, async () => {
  const peer = await peerNode(NODE, 'remote-process-exit');
  try {
    const lines = ['globalThis.process.exit(0)', 'global.process.abort()', 'globalThis.process.reallyExit(0)', 'globalThis.kept = 5; globalThis.kept + globalThis.process.pid * 0', 'kept'];
    const remote = await run(process.execPath, [bin, 'remote', NODE], process.cwd(), peer.env, `${lines.join('\n')}\n`);
    assert.deepEqual(
      remote.stdout.split('\n'),
      [
        `** process.exit() would stop the node ${NODE} itself, not leave this shell: q() leaves the shell (the node keeps running); stop the node with its release's bin/<name> stop`,
        `** process.abort() would stop the node ${NODE} itself, not leave this shell: q() leaves the shell (the node keeps running); stop the node with its release's bin/<name> stop`,
        `** process.reallyExit() would stop the node ${NODE} itself, not leave this shell: q() leaves the shell (the node keeps running); stop the node with its release's bin/<name> stop`,
        '5',
        '5',
      ],
      remote.out,
    );
    assert.doesNotMatch(remote.stderr, /went down/, remote.out);
    const next = await run(process.execPath, [bin, 'remote', NODE], process.cwd(), peer.env, '6 * 7\n');
    assert.deepEqual([next.status, next.stdout], [0, '42'], next.out);
    assert.equal(peer.exitCode(), null, 'the node runs on');
  } finally {
    await peer.stop();
  }
});
