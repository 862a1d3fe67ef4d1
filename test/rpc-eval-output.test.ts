// End to end against a real node OS process: what code run by `otp rpc NODE otp eval` prints (console.log,
// process.stdout.write) shows at the caller, before the answer's JSON, as io:format in an rpc:call prints at the
// caller's group leader in OTP, and as bin/<name> eval shows it. Before, it went to the node's stdout, where the
// operator who ran the command never saw it. Code that prints and then throws shows its output, then fails, exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { otpWith } from './support/cli.ts';
import { peerNode } from './support/shell-session.ts';

const NODE = 'rpcout@127.0.0.1';

test('otp rpc NODE otp eval: what the code prints shows at the caller, before the answer, not on the node', { timeout: 300_000 }, async () => {
  const peer = await peerNode(NODE, 'rpc-eval-output');
  const otp = otpWith(peer.env);
  try {
    const ran = await otp('rpc', NODE, 'otp', 'eval', JSON.stringify(["console.log('rp-out', { a: 1 }); process.stdout.write('rp-raw\\n'); console.error('rp-err'); 6 * 7"]));
    assert.equal(ran.status, 0, ran.stderr);
    assert.equal(ran.stdout, "rp-out { a: 1 }\nrp-raw\nrp-err\n\"42\"\n");
    const threw = await otp('rpc', NODE, 'otp', 'eval', JSON.stringify(["console.log('rp-before'); throw new Error('rp-thrown')"]));
    assert.equal(threw.status, 1, threw.stderr);
    assert.equal(threw.stdout, 'rp-before\n');
    assert.match(threw.stderr, /^otp: rp-thrown$/m);
    assert.doesNotMatch(peer.stdout(), /rp-out|rp-raw|rp-before/, peer.stdout());
    assert.equal(peer.exitCode(), null);
  } finally {
    await peer.stop();
  }
});
