// End to end against a real node OS process: what a remote shell's session prints on the node after its line answered
// (a timer the line set, firing later; a promise settling after the answer) shows at that shell, as io:format of what an
// erl remote shell's line spawned shows at the shell's group leader. Before, it went to the node's stdout, where the
// operator at the shell never saw it. Two shells on one node each see their own session's output only; once a shell
// has quit, what its session still prints goes to the node's stdout (the shell is gone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bin } from './support/cli.ts';
import { peerNode, shellSession } from './support/shell-session.ts';
import { waitFor } from './support/wait.ts';

const NODE = 'rlate@127.0.0.1';

test('otp remote: what a line prints after its answer shows at its own shell; after q(), on the node', { timeout: 300_000 }, async () => {
  const peer = await peerNode(NODE, 'remote-late');
  const a = shellSession(process.execPath, [bin, 'remote', NODE], { env: peer.env });
  const b = shellSession(process.execPath, [bin, 'remote', NODE], { env: peer.env });
  try {
    a.write("setTimeout(() => console.log('late-a'), 200); 'set-a'\n");
    b.write("setTimeout(() => console.log('late-b'), 200); 'set-b'\n");
    await a.waitOut('the answer of shell a', "'set-a'\n");
    await b.waitOut('the answer of shell b', "'set-b'\n");
    await a.waitOut("shell a's timer output", 'late-a\n');
    await b.waitOut("shell b's timer output", 'late-b\n');
    a.write("Promise.resolve().then(() => new Promise((r) => setTimeout(r, 100))).then(() => process.stdout.write('late-promise\\n')); 'p'\n");
    await a.waitOut('the promise settling after the answer', "'p'\nlate-promise\n");
    assert.doesNotMatch(a.stdout(), /late-b/, a.stdout());
    assert.doesNotMatch(b.stdout(), /late-a|late-promise/, b.stdout());
    // After the shell quit, its session's interval prints on the node again.
    b.write("setInterval(() => console.log('tick-after-quit'), 50); 'ticking'\n");
    await b.waitOut('the interval set', "'ticking'\n");
    b.write('q()\n');
    assert.deepEqual(await b.exited, [0, null], b.stderr());
    await waitFor('the interval to print on the node once the shell quit', () => peer.stdout().includes('tick-after-quit'), { ms: 60_000 });
    assert.doesNotMatch(peer.stdout(), /late-a|late-b|late-promise/, peer.stdout());
    a.end();
    assert.deepEqual(await a.exited, [0, null], a.stderr());
    assert.equal(peer.exitCode(), null);
  } finally {
    a.kill();
    b.kill();
    await peer.stop();
  }
});
