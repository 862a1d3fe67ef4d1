// End to end: otp remote prints nothing for a declaration or a comment line (which answers undefined), as otp shell
// prints nothing, while a value asked for is printed even when it is undefined; and q() inside a statement
// (`if (x > 1) q()`) leaves otp remote as it leaves otp shell, the node running on. Before, each declaration printed
// `undefined`, and `if (x > 1) q()` answered '** q is not defined' and the lines after it ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { peerNode } from './support/shell-session.ts';

test('otp remote: declarations and comments print nothing, undefined asked for prints, q() inside a statement quits', { timeout: 300_000 }, async () => {
  const peer = await peerNode('rquiet@127.0.0.1', 'remote-quiet');
  try {
    const lines = ['// a comment line', 'const x = 20', 'x + 1', 'let u', 'u', 'function f() { return x }', '/* c */ var v = 1', "const s = 'undefined'; s", 'if (x > 1) q()', "'not run'"];
    const first = await run(process.execPath, [bin, 'remote', 'rquiet@127.0.0.1'], process.cwd(), peer.env, `${lines.join('\n')}\n`);
    assert.equal(first.status, 0, first.out);
    assert.equal(first.stdout, "21\nundefined\n'undefined'", first.out);
    // The node runs on: another shell is answered.
    const next = await run(process.execPath, [bin, 'remote', 'rquiet@127.0.0.1'], process.cwd(), peer.env, "[1, 2].forEach((n) => { if (n === 2) quit() }); 'left'\n3\n");
    assert.equal(next.status, 0, next.out);
    assert.equal(next.stdout, "'left'", next.out);
  } finally {
    await peer.stop();
  }
});
