// End to end: a release's bin/<name> remote behaves as otp remote does. A piped session that a real SIGINT reaches
// while a line is awaited ends with exit 130 and one line on stderr, the node running on and answering the next
// shell (before, the signal killed the script outright: no exit code of its own, the session left on the node); a
// node that goes down under a line ends the shell, exit 1 (before, every later line printed an error, exit 0).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';
import { shellSession } from './support/shell-session.ts';
import { waitFor } from './support/wait.ts';

const project = releaseProject('relremsig');
// Registered before the port mapper's own hook, so the node is stopped while its port mapper still answers.
after(() => project.remove());
await privatePortMapper();

before(async () => {
  await project.create();
  await ok(project.otp(['release']), 'otp release');
  await ok(project.run(['daemon']), 'daemon');
});

// The value of `globalThis.NAME` on the node, through bin/<name> eval.
const probe = async (name: string): Promise<string> => (await project.run(['eval', `globalThis.${name}`])).stdout;

test('bin/<name> remote, piped, killed by SIGINT while a line awaits: exit 130, the node runs on', { timeout: 300_000 }, async () => {
  const remote = shellSession(project.script, ['remote'], { cwd: project.rel, env: project.env });
  try {
    remote.write('globalThis.sigSeen = 0; 20 + 22\n');
    await remote.waitOut('the first line answered', '42');
    // The line marks the node once it runs, then awaits for ever.
    remote.write('globalThis.sigSeen = 1; await new Promise(() => {})\n');
    await waitFor('the awaiting line to run', async () => (await probe('sigSeen')) === '1', { ms: 60_000, everyMs: 300 });
    remote.kill('SIGINT');
    assert.deepEqual(await remote.exited, [130, null], remote.stdout() + remote.stderr());
    assert.doesNotMatch(remote.stdout(), /\*\*/, remote.stdout());
    assert.match(remote.stderr(), /^relremsig: interrupted \(SIGINT\): the remote shell ends; relremsig@[\w.-]+ runs on\n$/, remote.stderr());
    // The node runs on, and answers another shell.
    const next = await project.run(['remote'], project.env, '2 + 2\n');
    assert.equal(next.status, 0, next.out);
    assert.equal(next.stdout, '4', next.out);
  } finally {
    remote.kill();
  }
});

test('bin/<name> remote: q() then a throw on one line leaves the shell, the error said', { timeout: 300_000 }, async () => {
  const left = await project.run(['remote'], project.env, "q(); throw new Error('late')\n'not run'\n");
  // Piped, a statement that failed makes the exit code 1, as in otp remote, said in one line on stderr.
  assert.equal(left.status, 1, left.out);
  assert.equal(left.stdout, "** late", left.out);
  assert.match(left.stderr, /^relremsig: 1 of 1 statement failed on relremsig@[\w.-]+ \(each printed as \*\* …\), so the remote shell exits 1: /, left.out);
  assert.doesNotMatch(left.stdout, /not run/, left.out);
});

test('bin/<name> remote, piped: every statement runs; exit 1 when any failed, exit 0 when none did', { timeout: 300_000 }, async () => {
  const cut = await project.run(['remote'], project.env, 'bad(\n1+1\n');
  assert.equal(cut.status, 1, cut.out);
  assert.match(cut.stdout, /^\*\* /, cut.out);
  const mixed = await project.run(['remote'], project.env, "throw new Error('one')\n40 + 2\nnosuch.thing\n6 * 7\n");
  assert.equal(mixed.status, 1, mixed.out);
  assert.equal(mixed.stdout, '** one\n42\n** nosuch is not defined\n42', mixed.out);
  assert.match(mixed.stderr, /2 of 4 statements failed/, mixed.out);
  const good = await project.run(['remote'], project.env, 'const x = 1\nx + 1\n');
  assert.equal(good.status, 0, good.out);
  assert.equal(good.stdout, '2', good.out);
});

test('bin/<name> eval and rpc otp eval: code that does not parse is bad input, exit 2; code that throws is a failure, exit 1', { timeout: 300_000 }, async () => {
  const bad = await project.run(['eval', '1+']);
  assert.equal(bad.status, 2, bad.out);
  assert.match(bad.stderr, /the code does not parse/, bad.out);
  const thrown = await project.run(['eval', "throw new Error('boom')"]);
  assert.equal(thrown.status, 1, thrown.out);
  // The kind travels as a field of the answer, not in the wording: a thrown error that says the same words is a failure.
  const worded = await project.run(['eval', "throw new SyntaxError('the code does not parse, says the app')"]);
  assert.equal(worded.status, 1, worded.out);
  // So through rpc: otp.eval of code that does not parse is bad input, exit 2; code that throws a failure, exit 1.
  const rpcBad = await project.run(['rpc', 'otp', 'eval', '["1+"]']);
  assert.equal(rpcBad.status, 2, rpcBad.out);
  assert.match(rpcBad.stderr, /the code does not parse/, rpcBad.out);
  const rpcThrown = await project.run(['rpc', 'otp', 'eval', JSON.stringify(["JSON.parse('{')"])]);
  assert.equal(rpcThrown.status, 1, rpcThrown.out);
  // No code at all is bad input too, as eval with no argument is.
  for (const args of [['eval', ''], ['eval', '   '], ['rpc', 'otp', 'eval', '["  "]']]) {
    const empty = await project.run(args);
    assert.equal(empty.status, 2, `${JSON.stringify(args)}: ${empty.out}`);
    assert.match(empty.stderr, /eval needs JavaScript source text/, empty.out);
  }
});

test('bin/<name> remote, piped, as otp remote: no banner or prompt, only the answers; a line over 1 MiB ends it, exit 2, the lines before it answered', { timeout: 300_000 }, async () => {
  const piped = await project.run(['remote'], project.env, "20 + 22\nconst kept = 'yes'\nkept\n");
  assert.equal(piped.status, 0, piped.out);
  assert.equal(piped.stdout, "42\n'yes'", piped.out);
  // What a line prints shows here, before its answer, as at otp remote (before, it went to the node's stdout).
  const printed = await project.run(['remote'], project.env, "console.log('relrem-out'); process.stdout.write('relrem-raw'); 7\n");
  assert.equal(printed.status, 0, printed.out);
  assert.equal(printed.stdout, 'relrem-out\nrelrem-raw\n7', printed.out);
  const long = await project.run(['remote'], project.env, `1 + 1\n'${'x'.repeat(1024 * 1024 + 10)}'\n2 + 2\n`);
  assert.equal(long.status, 2, long.out.slice(0, 2000));
  assert.equal(long.stdout, '2', long.out.slice(0, 2000));
  assert.match(long.stderr, /^relremsig: an input line is longer than 1 MiB, the longest the shell takes: split it/m, long.out.slice(0, 2000));
});

test('bin/<name> remote: the node going down under a line ends the shell, exit 1', { timeout: 300_000 }, async () => {
  const remote = shellSession(project.script, ['remote'], { cwd: project.rel, env: project.env });
  try {
    remote.write('globalThis.downSeen = 1; await new Promise(() => {})\n');
    await waitFor('the awaiting line to run', async () => (await probe('downSeen')) === '1', { ms: 60_000, everyMs: 300 });
    const pid = Number((await project.run(['pid'])).stdout);
    assert.ok(pid > 0, 'the node has an OS pid');
    process.kill(pid, 'SIGKILL');
    await waitFor('the shell to end with its node', () => remote.child.exitCode !== null || remote.child.signalCode !== null, { ms: 60_000 });
    const [code] = await remote.exited;
    assert.equal(code, 1, remote.stdout() + remote.stderr());
    assert.match(remote.stderr(), /^relremsig: relremsig@[\w.-]+ went down before it answered: its log or crash dump says why; the remote shell ends\n$/, remote.stderr());
  } finally {
    remote.kill();
  }
});
