// A node out of file descriptors (EMFILE): a real OS process under `ulimit -n 64`, flooded with idle connections on
// its distribution port over real TCP on loopback. It must keep serving the peer it has, say so in one sentence (not
// crash, not a line per refused connection), and accept new peers once descriptors are free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createNode } from '../src/index.ts';
import { EpmdServer } from '../src/distribution/epmd-server.ts';
import { lookup, names, register } from '../src/distribution/epmd-client.ts';
import type { NodeEntry } from '../src/distribution/epmd-protocol.ts';
import { waitFor } from '../../../test/support/wait.ts';

const epmdMain = fileURLToPath(new URL('../src/distribution/epmd-main.ts', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/low-descriptors.ts', import.meta.url));
const exhausted = /^distribution: node low@127\.0\.0\.1: the process has no file descriptors left \(EMFILE\), so new connections are closed as they arrive while existing ones are served; raise the limit \(ulimit -n\) or close idle connections$/;

test('a node at its file-descriptor limit keeps its peer, says so once, and accepts new peers once descriptors are free', { skip: process.platform === 'win32' }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const child = spawn('bash', ['-c', 'ulimit -n 64 && exec "$@"', 'bash', process.execPath, ...process.execArgv, fixture, JSON.stringify({ name: 'low@127.0.0.1', epmdPort })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  child.stderr.on('data', (d: Buffer) => (err += String(d)));
  const peer = createNode({ onCrash: () => {} });
  const late = createNode({ onCrash: () => {} });
  const flood: Socket[] = [];
  try {
    await waitFor('the node to start', () => out.includes('started') || child.exitCode !== null);
    assert.equal(out, 'started\n', err);
    await peer.startDistribution({ name: 'peer@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    assert.equal(await peer.ping('low@127.0.0.1'), true, 'connected before the flood');
    const port = (await lookup('low', '127.0.0.1', epmdPort))!.port;
    for (let i = 0; i < 80; i++) {
      const s = connect({ host: '127.0.0.1', port });
      s.on('error', () => {});
      flood.push(s);
    }
    await waitFor('the one sentence about descriptors', () => err.split('\n').some((l) => exhausted.test(l)), { ms: 30_000 });
    assert.equal(await peer.ping('low@127.0.0.1'), true, 'the existing peer is served at the limit');
    assert.equal(child.exitCode, null, 'the node is running');
    for (const s of flood) s.destroy();
    await waitFor('descriptors to be free again', () => err.includes('file descriptors are free again'));
    await late.startDistribution({ name: 'late@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    assert.equal(await late.ping('low@127.0.0.1'), true, 'a new peer is accepted once descriptors are free');
    const lines = err.split('\n').filter((l) => l !== '');
    assert.equal(lines.filter((l) => exhausted.test(l)).length, 1, `one sentence, not a line per connection:\n${err}`);
  } finally {
    for (const s of flood) s.destroy();
    child.kill();
    peer.shutdown();
    late.shutdown();
    await epmd.close();
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('the port mapper at its file-descriptor limit keeps its registrations, says so once, and answers again once descriptors are free', { skip: process.platform === 'win32' }, async () => {
  const port = await freePort();
  const mapper = spawn('bash', ['-c', 'ulimit -n 48 && exec "$@"', 'bash', process.execPath, ...process.execArgv, epmdMain, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  mapper.stderr.on('data', (d: Buffer) => (err += String(d)));
  const flood: Socket[] = [];
  const entry: NodeEntry = { name: 'kept', port: 40999, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) };
  try {
    await waitFor('the port mapper to listen', () => names('127.0.0.1', port).then(() => true, () => false));
    const reg = await register(entry, '127.0.0.1', port);
    for (let i = 0; i < 80; i++) {
      const s = connect({ host: '127.0.0.1', port });
      s.on('error', () => {});
      flood.push(s);
    }
    const line = /^port mapper: the process has no file descriptors left \(EMFILE\), so new connections are closed as they arrive while existing ones are served; raise the limit \(ulimit -n\) or close idle connections$/;
    await waitFor('the one sentence about descriptors', () => err.split('\n').some((l) => line.test(l)));
    assert.equal(mapper.exitCode, null, 'the port mapper is running');
    for (const s of flood) s.destroy();
    await waitFor('descriptors to be free again', () => err.includes('port mapper: file descriptors are free again'));
    assert.deepEqual(await names('127.0.0.1', port), [{ name: 'kept', port: 40999 }], 'the registration held through it');
    assert.equal(err.split('\n').filter((l) => line.test(l)).length, 1, err);
    reg.close();
  } finally {
    for (const s of flood) s.destroy();
    mapper.kill();
  }
});
