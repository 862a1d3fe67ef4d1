// End to end: otp remote with piped input runs every statement, as erl's shell and a psql script run on past an
// error, and its exit code says whether any failed: 1 with one line on stderr counting them, 0 when all passed, so
// a CI script piping checks into a node can tell. Before, a piped shell whose lines all failed still exited 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { peerNode } from './support/shell-session.ts';

const NODE = 'rpexit@127.0.0.1';

test('otp remote, piped: every statement runs; exit 1 naming how many failed, exit 0 when none did', { timeout: 300_000 }, async () => {
  const peer = await peerNode(NODE, 'remote-piped-exit');
  const remote = (input: string): ReturnType<typeof run> => run(process.execPath, [bin, 'remote', NODE], process.cwd(), peer.env, input);
  try {
    // A statement cut short at the end of the input is sent, its error reported: a failure.
    const cut = await remote('bad(\n1+1\n');
    assert.equal(cut.status, 1, cut.out);
    assert.match(cut.stdout, /^\*\* /, cut.out);
    assert.match(cut.stderr, /^otp: 1 of 1 statement failed on rpexit@127\.0\.0\.1 \(each printed as \*\* …\), so the remote shell exits 1: /, cut.out);
    // The lines after a failed one still run; the count names the failures among all.
    const mixed = await remote("throw new Error('one')\n40 + 2\nnosuch.thing\n6 * 7\n");
    assert.equal(mixed.status, 1, mixed.out);
    assert.equal(mixed.stdout, '** one\n42\n** nosuch is not defined\n42', mixed.out);
    assert.match(mixed.stderr, /2 of 4 statements failed/, mixed.out);
    // q() after a failure, and a throw after q() on its line, still fail the run.
    const quit = await remote("throw 1\nq()\n'not run'\n");
    assert.equal(quit.status, 1, quit.out);
    const late = await remote("q(); throw new Error('late')\n");
    assert.equal(late.status, 1, late.out);
    assert.match(late.stderr, /1 of 1 statement failed/, late.out);
    // All passed: exit 0, nothing on stderr.
    const good = await remote('const x = 1\nx + 1\n');
    assert.equal(good.status, 0, good.out);
    assert.equal(good.stderr, '', good.out);
    assert.equal(peer.exitCode(), null, 'the node runs on');
  } finally {
    await peer.stop();
  }
});
