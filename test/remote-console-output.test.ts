// End to end against a real node OS process: what a line typed at otp remote prints (console.log, console.error,
// process.stdout.write) shows at the shell, before the line's answer, as io:format in erl's remote shell shows at the
// shell's group leader. Before, it went to the node's stdout, where the operator at the shell never saw it. What the
// line prints is bounded as an answer is (what prints once the line has ended, a timer it set firing later: see
// test/remote-late-output.test.ts). A revoked Proxy answered by a line is an answer (`<Revoked Proxy>`), not a failed line:
// before, reading its `then` (to await it) threw and the line failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bin } from './support/cli.ts';
import { run, type Ran } from './support/run.ts';
import { peerNode } from './support/shell-session.ts';

const NODE = 'rconsole@127.0.0.1';

test('otp remote: a line prints at the shell, in order with its answer, bounded; the node prints its own', { timeout: 300_000 }, async () => {
  const peer = await peerNode(NODE, 'remote-console');
  const remote = (input: string): Promise<Ran> => run(process.execPath, [bin, 'remote', NODE], process.cwd(), peer.env, input);
  try {
    const ran = await remote(
      [
        "console.log('rc-out', { a: 1 }); console.error('rc-err'); process.stdout.write('rc-raw\\n'); globalThis.console.info('rc-global'); 40 + 2",
        "function shout(s) { console.log('rc-fn', s) }",
        "shout('called'); 'after'",
        "process.stdout.write('rc-no-newline'); 7",
        "console.log('rc-before-throw'); throw new Error('rc-thrown')",
        "setTimeout(() => console.log('rc-late'), 20); 'set'",
        '(() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy })()',
        "for (let i = 0; i < 20000; i++) console.log('y'.repeat(20)); 'flood'",
      ].join('\n') + '\n',
    );
    assert.equal(ran.status, 1, ran.out.slice(0, 2000));
    // The timer's line shows at the shell too, between two answers (where depends on when it fires).
    const stdout = ran.stdout.replace(/^rc-late\n|\nrc-late$/m, '');
    const lines = stdout.split('\n');
    assert.deepEqual(lines.slice(0, 15), [
      'rc-out { a: 1 }',
      'rc-err',
      'rc-raw',
      'rc-global',
      '42',
      'rc-fn called',
      "'after'",
      'rc-no-newline',
      '7',
      'rc-before-throw',
      '** rc-thrown',
      "'set'",
      '<Revoked Proxy>',
      'y'.repeat(20),
      'y'.repeat(20),
    ]);
    assert.match(stdout, /\.\.\. \d+ more characters of output\n'flood'$/, stdout.slice(-500));
    assert.ok(ran.stdout.length < 200_000, `the flood was cut (${ran.stdout.length} characters printed)`);
    assert.match(ran.stderr, /^otp: 1 of 8 statements failed on rconsole@127\.0\.0\.1 /, ran.out.slice(0, 2000));
    // The line's own output never reached the node's stdout.
    assert.doesNotMatch(peer.stdout(), /rc-out|rc-raw|rc-global|rc-fn|yyyy/, peer.stdout());
    assert.equal(peer.exitCode(), null);
  } finally {
    await peer.stop();
  }
});
