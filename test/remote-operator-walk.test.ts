// End to end, an operator's walk through otp remote against a real node OS process: a node that is down, a wrong
// cookie, lines answering odd-but-legal values (cyclic, BigInt, Symbol, nested Maps, a function, proxies live and
// revoked (an answer, not a failed line), a throwing inspect or getter), answers and errors of ten megabytes, input cut mid-statement, and the node
// killed (kill -9) under an awaited line. Each ends in one clear sentence with its documented exit code, and the node
// answers the next shell after each. Before, a key, a symbol's description or an error's message of 10 MB crossed
// the wire and flooded the terminal whole: inspect bounds strings and arrays, not those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { bin } from './support/cli.ts';
import { run, type Ran } from './support/run.ts';
import { peerNode } from './support/shell-session.ts';
import { waitFor } from './support/wait.ts';

const NODE = 'rwalk@127.0.0.1';

test('otp remote walked as an operator: refusals, odd values, huge answers, cut input, a killed node', { timeout: 300_000 }, async () => {
  const peer = await peerNode(NODE, 'remote-walk');
  const remote = (input: string, args: string[] = []): Promise<Ran> => run(process.execPath, [bin, 'remote', NODE, ...args], process.cwd(), peer.env, input);
  const stillServes = async (): Promise<void> => {
    const next = await remote('20 + 22\n');
    assert.equal(next.stdout, '42', next.out.slice(0, 2000));
    assert.equal(peer.exitCode(), null);
  };
  try {
    // A node that is down, and a wrong cookie: one sentence each; down is a failure (1), the cookie bad input (2).
    const down = await run(process.execPath, [bin, 'remote', 'nosuch@127.0.0.1'], process.cwd(), peer.env, '1\n');
    assert.equal(down.status, 1, down.out);
    assert.match(down.stderr, /^otp: no node nosuch@127\.0\.0\.1 is running \(the port mapper on 127\.0\.0\.1 does not know it\)$/, down.out);
    const cookie = await remote('1\n', ['--cookie', 'not-the-cookie']);
    assert.equal(cookie.status, 2, cookie.out);
    assert.match(cookie.stderr, /^otp: rwalk@127\.0\.0\.1 refused the connection: wrong cookie \(give the node's cookie with --cookie or OTP_COOKIE\)$/, cookie.out);
    await stillServes();

    // Odd-but-legal answers print as inspect prints them; those whose printing throws are that line's error.
    const odd = await remote(
      [
        'const c = { n: 1 }; c.self = c; c',
        '2n ** 70n',
        "Symbol('tag')",
        "new Map([['a', new Map([['b', new Map([['c', 1]])]])]])",
        'function named() {}; named',
        'new Proxy({ p: 1 }, {})',
        '(() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy })()',
        "({ toString() { throw new Error('bad toString') }, [Symbol.for('nodejs.util.inspect.custom')]() { throw new Error('bad inspect') } })",
        "({ get boom() { throw new Error('bad getter') } })",
        "'still here'",
      ].join('\n') + '\n',
    );
    assert.equal(odd.status, 1, odd.out);
    assert.deepEqual(odd.stdout.split('\n'), [
      '<ref *1> { n: 1, self: [Circular *1] }',
      '1180591620717411303424n',
      'Symbol(tag)',
      "Map(1) { 'a' => Map(1) { 'b' => Map(1) { 'c' => 1 } } }",
      '[Function: named]',
      '{ p: 1 }',
      '<Revoked Proxy>',
      '** bad inspect',
      '{ boom: [Getter] }',
      "'still here'",
    ]);
    assert.match(odd.stderr, /^otp: 1 of 10 statements failed on rwalk@127\.0\.0\.1 /, odd.out);
    await stillServes();

    // Ten megabytes in a key, a symbol's description, an error's message, a thrown string: each printed cut to the
    // shells' bound, saying how much was left out.
    const huge = await remote(
      ["({ ['k'.repeat(1e7)]: 1 })", "Symbol('s'.repeat(1e7))", "new Error('m'.repeat(1e7))", "throw new Error('e'.repeat(1e7))", "throw 't'.repeat(1e7)", "'x'.repeat(1e7)"].join('\n') + '\n',
    );
    assert.equal(huge.status, 1, huge.out.slice(0, 2000));
    const lines = huge.stdout.split('\n');
    assert.ok(huge.stdout.length < 1_000_000, `the answers were cut (${huge.stdout.length} characters printed)`);
    for (const [i, start] of ['{\n  kkk', 'Symbol(sss', 'Error: mmm', '** eee', '** ttt'].entries()) {
      const answer = i === 0 ? `${lines[0]}\n${lines[1]}` : lines.find((l) => l.startsWith(start)) ?? '';
      assert.ok(answer.startsWith(start), `answer ${i} (${answer.slice(0, 80)})`);
      assert.match(answer, /\.\.\. \d+ more characters/, `answer ${i} says what was left out`);
    }
    assert.match(huge.stdout, /^'x{2000}'\.\.\. 9998000 more characters$/m);
    await stillServes();

    // Input that ends inside a statement: the lines before it ran; the cut statement is said, exit 1.
    const cut = await remote('1 + 1\nfunction f() {\n  return 1\n');
    assert.equal(cut.status, 1, cut.out);
    assert.equal(cut.stdout, '2\n** the code does not parse: Unexpected end of input', cut.out);
    await stillServes();

    // The node killed (kill -9) while a line awaits: one line naming it, exit 1.
    const shell = spawn(process.execPath, [bin, 'remote', NODE], { env: peer.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
    shell.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => shell.once('exit', (code) => resolve(code)));
    shell.stdin.write("'awaiting'; globalThis.walkAwaits = 1\nawait new Promise(() => {})\n");
    await waitFor(`the first line answered (${out}${err})`, () => out.includes('1'), { ms: 60_000 });
    await peer.stop();
    assert.equal(await exited, 1, out + err);
    assert.match(err, /^otp: rwalk@127\.0\.0\.1 went down before it answered: .*; the remote shell ends\n$/, err);
  } finally {
    await peer.stop().catch(() => undefined);
  }
});
