// End to end against a real node OS process: `.clear` at otp remote does what otp shell's does. The node forgets the
// names the shell's lines declared (`a` is then not defined, and `const a` may be declared again), the shell prints
// node:repl's line, and the session stays: what it prints later (an interval set before) still shows at this shell.
// Before, `.clear` was refused ("not a command of the remote shell"), and a shell that had declared `const a` could
// never declare it again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { peerNode, shellSession } from './support/shell-session.ts';

const NODE = 'rclear@127.0.0.1';

test('otp remote: .clear forgets the declarations, keeps the session and its late output', { timeout: 300_000 }, async () => {
  const peer = await peerNode(NODE, 'remote-clear');
  const shell = shellSession(process.execPath, [bin, 'remote', NODE], { env: peer.env });
  try {
    // Piped, as a script would: `.clear` in the middle of a statement drops it too, as node:repl's does.
    const piped = await run(process.execPath, [bin, 'remote', NODE], process.cwd(), peer.env, ['const a = 1', 'a', 'let b = [', '.clear', 'a', 'const a = 2', 'a', 'typeof b'].join('\n') + '\n');
    assert.equal(piped.stdout, "1\nClearing context...\n** a is not defined\n2\n'undefined'", piped.out);
    assert.equal(piped.status, 1, piped.out);
    // At a shell that runs on: what the session prints after `.clear` still reaches it.
    shell.write("const c = 'one'; globalThis.clearTick = setInterval(() => console.log('tick-' + c), 50); c\n");
    await shell.waitOut('the interval set', "'one'\n");
    shell.write('.clear\n');
    await shell.waitOut('the clear answered', 'Clearing context...\n');
    const cleared = shell.stdout().length;
    await shell.waitOut('the session output after .clear', 'tick-one\n', { from: cleared });
    shell.write("clearInterval(globalThis.clearTick); const c = 'two'; c\n");
    await shell.waitOut('c declared again', "'two'\n", { from: cleared });
    shell.write('q()\n');
    assert.deepEqual(await shell.exited, [0, null], shell.stderr());
    assert.doesNotMatch(shell.stdout(), /not a command|already been declared/, shell.stdout());
  } finally {
    shell.kill();
    await peer.stop();
  }
});
