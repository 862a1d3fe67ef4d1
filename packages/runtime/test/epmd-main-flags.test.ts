// The built-in port mapper's own OS process takes each of its limits from a flag or an environment variable (a flag
// wins), and refuses a value that is no positive whole number with one line naming where it came from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { names } from '../src/distribution/epmd-client.ts';
import { createNode } from '../src/index.ts';
import { encodeAlive2, encodeNames, type NodeEntry } from '../src/distribution/epmd-protocol.ts';
import { waitFor } from '../../../test/support/wait.ts';

const epmdMain = fileURLToPath(new URL('../src/distribution/epmd-main.ts', import.meta.url));
const entry = (name: string, port: number): NodeEntry => ({ name, port, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) });

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The port mapper process with `args` and `env` added, its stderr, and its exit code once it exits. */
function startMapper(args: string[], env: Record<string, string> = {}): { child: ChildProcess; err: () => string; code: () => number | null | undefined } {
  const child = spawn(process.execPath, [...process.execArgv, epmdMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  let code: number | null | undefined;
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  child.on('exit', (c) => (code = c));
  return { child, err: () => err, code: () => code };
}

test('the port mapper process takes maxUnreadBytes from --max-unread-bytes: answers nobody reads past it are closed with a line', async () => {
  const port = await freePort();
  const mapper = startMapper(['--port', String(port), '--max-unread-bytes', '20000']);
  const sockets: Socket[] = [];
  try {
    await waitFor('the port mapper to listen', () => names('127.0.0.1', port).then(() => true, () => false), { ms: 30_000 });
    // 20 nodes with 200-character names: a NAMES answer is about 4.5 KB, so 20000 bytes hold four unread ones.
    for (let i = 0; i < 20; i++) {
      const s = connect({ host: '127.0.0.1', port }, () => s.write(encodeAlive2(entry(`${String(i).padStart(2, '0')}${'n'.repeat(198)}`, 40_000 + i))));
      s.on('error', () => {});
      sockets.push(s);
      await new Promise<void>((resolve) => s.once('data', () => resolve()));
    }
    for (let i = 0; i < 12; i++) {
      const s = connect({ host: '127.0.0.1', port }, () => s.write(encodeNames()));
      s.on('error', () => {});
      s.pause(); // never reads
      sockets.push(s);
    }
    await waitFor('a line about an unread answer', () => mapper.err().includes('answer went unread while over 20000 bytes of answers were unread'), { ms: 30_000 });
  } finally {
    for (const s of sockets) s.destroy();
    mapper.child.kill();
  }
});

test('each limit of the port mapper process refuses a value that is no positive whole number, from its flag or its environment variable, with one line naming it', async () => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['--holder-probe', '0'], {}, /^port mapper: --holder-probe "0" is not a positive whole number; give e\.g\. --holder-probe 3000$/],
    [['--registration-keepalive', 'soon'], {}, /^port mapper: --registration-keepalive "soon" is not a positive whole number; give e\.g\. --registration-keepalive 60000$/],
    [['--max-unread-bytes', '1.5'], {}, /^port mapper: --max-unread-bytes "1\.5" is not a positive whole number/],
    [['--max-nodes', '-1'], {}, /^port mapper: --max-nodes "-1" is not a positive whole number/],
    [[], { OTP_EPMD_HOLDER_PROBE: 'abc' }, /^port mapper: OTP_EPMD_HOLDER_PROBE="abc" is not a positive whole number; give e\.g\. OTP_EPMD_HOLDER_PROBE=3000$/],
    [[], { OTP_EPMD_REGISTRATION_KEEPALIVE: '0' }, /^port mapper: OTP_EPMD_REGISTRATION_KEEPALIVE="0" is not a positive whole number/],
    [[], { OTP_EPMD_MAX_UNREAD_BYTES: '4MB' }, /^port mapper: OTP_EPMD_MAX_UNREAD_BYTES="4MB" is not a positive whole number/],
    [[], { OTP_EPMD_REQUEST_TIMEOUT: 'x' }, /^port mapper: OTP_EPMD_REQUEST_TIMEOUT="x" is not a positive whole number/],
  ];
  for (const [args, env, line] of cases) {
    const port = await freePort();
    const mapper = startMapper(['--port', String(port), ...args], env);
    try {
      await waitFor(`the port mapper to exit on ${JSON.stringify([args, env])}`, () => mapper.code() !== undefined, { ms: 30_000 });
      assert.equal(mapper.code(), 2, mapper.err());
      assert.match(mapper.err().trim(), line);
      assert.equal(mapper.err().trim().split('\n').length, 1, mapper.err());
    } finally {
      mapper.child.kill();
    }
  }
});

test('the port mapper process takes its limits from the environment: valid values start it, and an empty variable counts as unset (as a shell\'s `OTP_EPMD_REQUEST_TIMEOUT=` leaves it)', async () => {
  const port = await freePort();
  const mapper = startMapper(['--port', String(port)], { OTP_EPMD_MAX_UNREAD_BYTES: '20000', OTP_EPMD_HOLDER_PROBE: '500', OTP_EPMD_REGISTRATION_KEEPALIVE: '1000', OTP_EPMD_REQUEST_TIMEOUT: '' });
  try {
    await waitFor('the port mapper to listen', () => names('127.0.0.1', port).then(() => true, () => false), { ms: 30_000 });
    assert.equal(mapper.code(), undefined, mapper.err());
  } finally {
    mapper.child.kill();
  }
});

test('a node that would start the built-in port mapper with a limit it refuses (OTP_EPMD_HOLDER_PROBE=abc) fails its start with that sentence, not a port mapper that never starts', async () => {
  const port = await freePort();
  const saved = process.env.OTP_EPMD_HOLDER_PROBE;
  process.env.OTP_EPMD_HOLDER_PROBE = 'abc';
  const node = createNode({ onCrash: () => {} });
  try {
    await assert.rejects(node.startDistribution({ name: 'flags@127.0.0.1', cookie: 'c', epmdPort: port, log: () => {} }), (error: Error) => {
      assert.equal(error.name, 'EnvironmentError');
      assert.equal(error.message, 'the built-in port mapper cannot start: OTP_EPMD_HOLDER_PROBE="abc" is not a positive whole number; give e.g. OTP_EPMD_HOLDER_PROBE=3000');
      return true;
    });
  } finally {
    if (saved === undefined) delete process.env.OTP_EPMD_HOLDER_PROBE;
    else process.env.OTP_EPMD_HOLDER_PROBE = saved;
    await node.shutdown();
  }
});

test('the port mapper process refuses a --port that is no port (abc, 70000, empty) with one line, and --port 0 says the port it took', async () => {
  for (const bad of ['abc', '70000', '']) {
    const mapper = startMapper(['--port', bad, '--address', '127.0.0.1']);
    try {
      await waitFor(`the port mapper to exit on --port ${JSON.stringify(bad)}`, () => mapper.code() !== undefined, { ms: 30_000 });
      assert.equal(mapper.code(), 2, mapper.err());
      assert.equal(mapper.err().trim(), `port mapper: --port ${JSON.stringify(bad)} is not a port; give a whole number from 1 to 65535, e.g. --port 4369`);
    } finally {
      mapper.child.kill();
    }
  }
  const mapper = startMapper(['--port', '0', '--address', '127.0.0.1']);
  let out = '';
  mapper.child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  try {
    await waitFor('the port mapper to say where it listens', () => out.includes('\n'), { ms: 30_000 });
    const port = Number(/port (\d+)$/.exec(out.trim())?.[1]);
    assert.ok(port > 0, out);
    assert.deepEqual(await names('127.0.0.1', port), []);
  } finally {
    mapper.child.kill();
  }
});
