// End to end against a real node OS process: otp remote takes the dot-commands otp shell's node:repl takes. `.help`
// lists them (and points to help()), `.exit` leaves, and one it does not take (`.load`) is answered in one sentence;
// before, `.help` was sent to the node as code and answered "the code does not parse: Unexpected token '.'". A line
// that only continues a statement (`.then(…)` under a line cut short) is still code, as node:repl reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { peerNode } from './support/shell-session.ts';

const NODE = 'rdot@127.0.0.1';

test('otp remote: .help lists the dot-commands, .load is answered in one sentence, .exit leaves', { timeout: 300_000 }, async () => {
  const peer = await peerNode(NODE, 'remote-dot');
  try {
    const ran = await run(process.execPath, [bin, 'remote', NODE], process.cwd(), peer.env, ['.help', '.load checks.js', '([1, 2]', '  .length)', '.length', '.exit', "'not run'"].join('\n') + '\n');
    assert.equal(ran.status, 0, ran.out);
    assert.doesNotMatch(ran.out, /does not parse|Unexpected token|not run/, ran.out);
    assert.match(ran.stdout, /^\.break .*\n\.clear .*\n\.exit .*\n\.help .*\nhelp\(\) /, ran.stdout);
    assert.match(ran.stdout, /\n\.load is not a command of the remote shell, which takes \.break, \.clear, \.exit and \.help .*help\(\) lists its helpers\n/, ran.stdout);
    // `.length)` continues `([1, 2]`; `.length` alone starts no statement, so node:repl would call it no keyword too.
    assert.match(ran.stdout, /\n2\n\.length is not a command of the remote shell, /, ran.stdout);
  } finally {
    await peer.stop();
  }
});
