// End to end: `otp observer` (the built CLI, a real OS process) under `ulimit -n 64`, flooded with idle connections
// over real TCP on loopback until it has no file descriptors left. It must keep serving the connection a page has,
// say so in one sentence (not crash at the second failed accept, not a line per refused connection), and serve new
// connections once descriptors are free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNode } from '@otp-ts/runtime';
import { installCrashDump } from '@otp-ts/runtime/tools';
import { bin } from './support/cli.ts';
import { waitFor } from './support/wait.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const exhausted = /^observer: the process has no file descriptors left \(EMFILE\), so new connections are closed as they arrive while existing ones are served; raise the limit \(ulimit -n\) or close idle connections$/;

// An HTTP/1.1 GET on `socket` (kept open), resolving with the answer's status line once the whole answer came (chunked).
function get(socket: Socket, path: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const closed = () => reject(new Error(`the connection closed before the answer: ${text}`));
    const on = (c: Buffer) => {
      text += c.toString('latin1');
      if (!text.endsWith('\r\n0\r\n\r\n')) return;
      socket.off('data', on);
      socket.off('close', closed);
      resolve(text.split('\r\n')[0]!);
    };
    socket.on('data', on);
    socket.once('close', closed);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

test('otp observer at its file-descriptor limit keeps its page, says so once, and serves new connections once descriptors are free', { skip: process.platform === 'win32', timeout: 120_000 }, async (t) => {
  mkdirSync(join(root, '_build', 'e2e'), { recursive: true });
  const dir = mkdtempSync(join(root, '_build', 'e2e', 'obsfd-'));
  const file = join(dir, 'otp_crash.dump');
  const node = createNode();
  const dumper = installCrashDump(node, { file });
  node.spawn(async (c) => void (await c.receive((m) => m === 'never')), { name: 'obsfd_worker' });
  dumper.write('other', new Error('obsfd died on purpose'));
  dumper.uninstall();
  node.shutdown();

  const child = spawn('bash', ['-c', 'ulimit -n 64 && exec "$@"', 'bash', process.execPath, bin, 'observer', '--dump', file, '--no-open', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  child.stderr.on('data', (d: Buffer) => (err += String(d)));
  const flood: Socket[] = [];
  t.after(() => {
    for (const s of flood) s.destroy();
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor('the observer to print its URL', () => /at http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.test(out) || child.exitCode !== null, { ms: 60_000 });
  const url = new URL(/at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)?.[1] ?? 'http://x', 'http://x');
  assert.equal(child.exitCode, null, err);
  const port = Number(url.port);
  const api = `/api/overview?token=${url.searchParams.get('token')}`;
  const page = await open(port);
  assert.equal(await get(page, api, port), 'HTTP/1.1 200 OK', 'served before the flood');

  for (let i = 0; i < 120; i++) {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    flood.push(s);
  }
  await waitFor('the one sentence about descriptors', () => err.split('\n').some((l) => exhausted.test(l)) || child.exitCode !== null, { ms: 30_000 });
  assert.equal(child.exitCode, null, `the observer is running:\n${err}`);
  assert.equal(await get(page, api, port), 'HTTP/1.1 200 OK', 'the open connection is served at the limit');
  // More connections refused while out: still running, still one sentence.
  for (let i = 0; i < 40; i++) {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    flood.push(s);
  }
  assert.equal(await get(page, api, port), 'HTTP/1.1 200 OK', 'still served after more refusals');
  assert.equal(child.exitCode, null, `the observer is running:\n${err}`);

  for (const s of flood) s.destroy();
  await waitFor('descriptors to be free again', () => err.includes('observer: file descriptors are free again') || child.exitCode !== null, { ms: 30_000 });
  const late = await open(port);
  assert.equal(await get(late, api, port), 'HTTP/1.1 200 OK', 'a new connection is served once descriptors are free');
  late.destroy();
  page.destroy();
  assert.equal(child.exitCode, null, err);
  const lines = err.split('\n').filter((l) => l !== '');
  assert.equal(lines.filter((l) => exhausted.test(l)).length, 1, `one sentence, not a line per connection:\n${err}`);
  assert.deepEqual(lines.filter((l) => !/^observer: (the process has no file descriptors left|file descriptors are free again)/.test(l)), [], err);
});
