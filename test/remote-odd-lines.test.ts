// End to end against a real node OS process: odd-but-legal lines at otp remote. An empty statement (`;`) prints
// nothing, as a comment line does and as otp shell prints nothing (before: `undefined`); an import statement, which
// no line can run (a line is not a module), is refused with the import() to write instead (before: only "Cannot use
// import statement outside a module"), and that import() works; a class declared on one line is used on the next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { peerNode } from './support/shell-session.ts';

const NODE = 'rodd@127.0.0.1';

test('otp remote: `;` prints nothing, an import statement names the import() to write, a class lives on', { timeout: 300_000 }, async () => {
  const peer = await peerNode(NODE, 'remote-odd');
  try {
    const lines = ['// only a comment', ';', "import { join, sep as s } from 'node:path'", "import * as path from 'node:path'", "const { join, sep: s } = await import('node:path')", "join('a', 'b') === ['a', 'b'].join(s)", 'class A { v() { return 7 } }', 'new A().v()'];
    const ran = await run(process.execPath, [bin, 'remote', NODE], process.cwd(), peer.env, lines.join('\n') + '\n');
    assert.equal(ran.status, 1, ran.out);
    assert.equal(
      ran.stdout,
      [
        "** the code does not parse: Cannot use import statement outside a module; a line is not a module: use import() instead, const { join, sep: s } = await import('node:path')",
        "** the code does not parse: Cannot use import statement outside a module; a line is not a module: use import() instead, const path = await import('node:path')",
        'true',
        '7',
      ].join('\n'),
      ran.out,
    );
  } finally {
    await peer.stop();
  }
});
