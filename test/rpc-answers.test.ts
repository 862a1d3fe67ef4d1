// End to end through the built binary: what `otp rpc` prints of answers plain JSON loses, and how it ends calls that cannot answer.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { otpWith, type Run } from './support/cli.ts';

const peerScript = fileURLToPath(new URL('../packages/runtime/test/fixtures/peer-node.ts', import.meta.url));
let epmd: EpmdServer;
let peer: ChildProcess;
let otp: (...args: string[]) => Promise<Run>;

before(async () => {
  epmd = new EpmdServer();
  const port = await epmd.listen(0);
  otp = otpWith({ ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'answers' });
  peer = spawn(process.execPath, [...process.execArgv, peerScript, 'answers@127.0.0.1', 'answers', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    peer.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
    peer.once('exit', (code) => reject(new Error(`peer exited with ${code}`)));
  });
});

after(async () => {
  peer.kill('SIGKILL');
  await epmd.close();
});

test('otp rpc prints a Map as an object, a Set as an array and a BigInt exactly, where JSON.stringify printed {} or crashed', async () => {
  const r = await otp('rpc', 'answers@127.0.0.1', 'math', 'shapes');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(JSON.parse(r.stdout.replace(/(\d{16,})/, '"$1"')), { stock: { apple: 3 }, tags: ['a', 'b'], big: '1000000000000000000000000000000' });
  assert.match(r.stdout, /"big": 1000000000000000000000000000000\n/);
});

test('otp rpc of a function whose answer cannot cross the wire says so at once, where it waited out the timeout and said "timeout"', async () => {
  const r = await otp('rpc', 'answers@127.0.0.1', 'math', 'withFn');
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /^otp: rpc to answers@127\.0\.0\.1 failed: math\.withFn returned a value that cannot be sent back to the calling node: message holds a function at .*, which cannot be sent to another node: /);
  assert.doesNotMatch(r.stderr, /timeout/);
});

test('otp rpc of a cyclic answer says it is cyclic, where it said nested more than 64 levels; an answer of undefined prints null, which is JSON', async () => {
  const r = await otp('rpc', 'answers@127.0.0.1', 'math', 'cyclic');
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /math\.cyclic returned a value that cannot be sent back to the calling node: it is cyclic \(the value at \.order\.self holds an object that contains it\)/);
  assert.doesNotMatch(r.stderr, /nested more than/);
  const nothing = await otp('rpc', 'answers@127.0.0.1', 'math', 'nothing');
  assert.equal(nothing.status, 0, nothing.stderr);
  assert.equal(nothing.stdout, 'null\n');
  assert.equal(JSON.parse(nothing.stdout), null);
});

test('otp rpc of a function that never returns ends at --timeout with one sentence naming the call and the flag, and its worker on the node is killed; a bad --timeout is bad usage', async () => {
  const count = async (): Promise<number> => Number((await otp('rpc', 'answers@127.0.0.1', 'otp', 'processCount')).stdout);
  const before = await count();
  const r = await otp('rpc', 'answers@127.0.0.1', 'math', 'hang', '--timeout', '500');
  assert.equal(r.status, 1, r.stdout);
  assert.equal(r.stderr, "otp: math.hang on answers@127.0.0.1 gave no answer within 500 ms; the process running it there was stopped (erpc.call abandons such a call instead)\nwait longer with --timeout MS\n");
  // The hung worker no longer counts among the node's processes (it stayed for the node's lifetime before).
  const deadline = Date.now() + 15_000;
  let now = await count();
  while (now !== before && Date.now() < deadline) now = await count();
  assert.equal(now, before, 'the worker of the timed-out call is gone');
  const bad = await otp('rpc', 'answers@127.0.0.1', 'math', 'hang', '--timeout', 'soon');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^otp: --timeout soon is not a time to wait\n/);
  assert.equal((await otp('rpc', 'answers@127.0.0.1', 'math', 'add', '[1, 2]', '--timeout', '5000')).stdout, '3\n');
});

test('otp rpc NODE otp eval: code that does not parse is bad input, exit 2; code that throws, a SyntaxError too, or whose message reads like one, is a failure, exit 1', async () => {
  const bad = await otp('rpc', 'answers@127.0.0.1', 'otp', 'eval', '["1+"]');
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /the code does not parse/);
  const empty = await otp('rpc', 'answers@127.0.0.1', 'otp', 'eval', '["  "]');
  assert.equal(empty.status, 2, empty.stderr);
  assert.match(empty.stderr, /eval needs JavaScript source text/);
  // The kind travels as a field of the answer, not in the wording: thrown errors that say the same words stay failures.
  for (const code of ["throw new Error('boom')", "JSON.parse('{')", "throw new SyntaxError('the code does not parse')"]) {
    const thrown = await otp('rpc', 'answers@127.0.0.1', 'otp', 'eval', JSON.stringify([code]));
    assert.equal(thrown.status, 1, `${code}: ${thrown.stderr}`);
  }
});
