// End to end: Ctrl-C at a line of otp remote in a real terminal (util-linux's `script`) reaches the node and stops that
// line there, as Erlang's JCL `i` interrupts the shell's evaluator: its timers are cleared, its loop over awaits ends,
// and the session and the node go on. Before, Ctrl-C only stopped the waiting in the CLI: the line's interval kept
// ticking on the node until --eval-await-timeout ended the line (here an hour).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { peerNode } from './support/shell-session.ts';
import { hasTerminal, interruptRemoteLine, terminalSession } from './support/terminal.ts';

const NODE = 'rintr@127.0.0.1';

test('Ctrl-C at otp remote stops the running line on the node (its interval and its await loop), the session goes on', { timeout: 300_000 }, async (t) => {
  if (!hasTerminal()) return t.skip('no script command (util-linux) to make a terminal');
  const peer = await peerNode(NODE, 'remote-interrupt');
  const term = terminalSession([process.execPath, bin, 'remote', NODE, '--eval-await-timeout', '3600000'], { env: peer.env });
  const probe = async (code: string): Promise<string> => (await run(process.execPath, [bin, 'rpc', NODE, 'otp', 'eval', JSON.stringify([code])], process.cwd(), peer.env)).stdout;
  try {
    // The session and the node go on after the line stopped there.
    await interruptRemoteLine(term, new RegExp(`${NODE.replace(/\./g, '\\.')}> `), async (code) => {
      assert.equal(peer.exitCode(), null);
      return probe(code);
    });
  } finally {
    term.kill();
    await peer.stop();
  }
});
