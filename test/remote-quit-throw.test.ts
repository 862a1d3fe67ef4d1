// End to end: a remote line that calls q() and then throws (`q(); throw 1`) still leaves otp remote, its error said
// first, the node running on; and a thrown value that is not an Error (`throw { code: 7 }`) prints as the value, as
// otp shell prints it. Before, the throw lost the quit (the lines after it ran) and an object printed [object Object].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { peerNode } from './support/shell-session.ts';

test('otp remote: q() then a throw on one line leaves the shell; a thrown object prints as its value', { timeout: 300_000 }, async () => {
  const peer = await peerNode('rqthrow@127.0.0.1', 'remote-quit-throw');
  try {
    const lines = ['throw { code: 7 }', "throw 'plain'", 'q(); throw 1', "'not run'"];
    const first = await run(process.execPath, [bin, 'remote', 'rqthrow@127.0.0.1'], process.cwd(), peer.env, `${lines.join('\n')}\n`);
    // Piped, the statements that threw make the exit code 1 (test/remote-piped-exit.test.ts).
    assert.equal(first.status, 1, first.out);
    assert.equal(first.stdout, '** { code: 7 }\n** plain\n** 1', first.out);
    const second = await run(process.execPath, [bin, 'remote', 'rqthrow@127.0.0.1'], process.cwd(), peer.env, "q(); throw new Error('late')\n'not run'\n");
    assert.equal(second.stdout, '** late', second.out);
    // The node runs on.
    assert.equal(peer.exitCode(), null);
  } finally {
    await peer.stop();
  }
});
