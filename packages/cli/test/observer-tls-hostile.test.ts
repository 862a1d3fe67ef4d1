// The observer over HTTPS (--https-cert/--https-key) against clients that do not speak TLS as a page does: plain
// HTTP on the TLS port (answered in clear with a sentence), a handshake that stops half-way, a wrong SNI, a renegotiation, 500 connects at once. Each is
// bounded (closed, or refused by TLS itself), and a good client is served throughout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect as connectSocket, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { createNode, type OtpNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { connect } from '@otp-ts/tracer';
import { startObserver, type RunningObserver } from '../src/observer/server.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { makePki, type Pki } from '../../../test/support/pki.ts';

let epmd: EpmdServer;
let pki: Pki;
let node: OtpNode;
let o: RunningObserver;
let ca: Buffer;
const lines: string[] = [];
const COOKIE = 'observer-tls-hostile-secret';

before(async () => {
  epmd = new EpmdServer();
  process.env.OTP_EPMD_PORT = String(await epmd.listen(0));
  pki = makePki({ ca: ['observer'] });
  const files = pki.tls('observer');
  ca = readFileSync(files.ca);
  node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name: 'obs_tls@127.0.0.1', cookie: COOKIE, log: () => {} });
  o = await startObserver({ node: 'obs_tls@127.0.0.1', connect: (n) => connect({ node: n, cookie: COOKIE, name: 'observer_tls_test@127.0.0.1' }), host: '127.0.0.1', port: 0, identity: 'test', log: (l) => lines.push(l), https: { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') }, slowClientMs: 2000 });
});

after(async () => {
  await o.close();
  node.shutdown();
  await epmd.close();
  pki.remove();
});

const port = () => Number(new URL(o.url).port);

// A page's request: the right CA, SNI and Host; its status.
function good(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: port(), path: '/api/overview', ca, headers: { authorization: `Bearer ${o.token}` }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function raw(bytes: string | Buffer): { socket: Socket; closed: () => boolean; text: () => string } {
  const socket = connectSocket(port(), '127.0.0.1');
  let closed = false;
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  socket.write(bytes);
  return { socket, closed: () => closed, text: () => text };
}

test('plain HTTP on the TLS port gets a 400 saying to use https (never the node\'s data), the operator a line, and a page is served', async () => {
  lines.length = 0;
  const c = raw(`GET /api/overview HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${o.token}\r\n\r\n`);
  await waitFor('the plain HTTP connection to be answered and closed', () => c.closed());
  assert.match(c.text(), /^HTTP\/1\.1 400 /);
  const body = JSON.parse(c.text().slice(c.text().indexOf('\r\n\r\n') + 4)) as { error: string };
  assert.equal(body.error, `this observer serves HTTPS only, not plain HTTP: open https://127.0.0.1:${port()}/ (the URL otp observer printed, with its token)`);
  assert.doesNotMatch(c.text(), /"node"/);
  assert.deepEqual(lines, ['observer: 127.0.0.1 sent plain HTTP to the HTTPS port; it was answered 400 saying to use https']);
  assert.equal(await good(), 200);
});

test('a flood of plain HTTP requests on the TLS port is at most one line a second for the operator, each client still answered', async () => {
  lines.length = 0;
  const flood = Array.from({ length: 20 }, () => raw('GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n'));
  await waitFor('every plain HTTP connection to be answered and closed', () => flood.every((c) => c.closed()));
  assert.ok(flood.every((c) => /^HTTP\/1\.1 400 /.test(c.text())), 'each is answered');
  // At most one a second: however slow this machine, 20 connects are not spread over 10 s.
  assert.ok(lines.length < flood.length / 2, `the operator's lines are rate-limited:\n${lines.join('\n')}`);
  assert.equal(await good(), 200);
});

test('a TLS handshake that stops half-way is closed at the handshake deadline (here 2 s), not held for the two minutes Node would hold it', { timeout: 60_000 }, async () => {
  // The first bytes of a ClientHello (record header and handshake header announcing 508 bytes), then nothing.
  const c = raw(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
  assert.equal(await good(), 200);
  await waitFor('the stalled handshake to be closed', () => c.closed(), { ms: 20_000 });
});

test('a connection that sends nothing at all is closed at the handshake deadline too, and the observer closes with it open', { timeout: 60_000 }, async () => {
  const c = raw('');
  assert.equal(await good(), 200);
  await waitFor('the silent connection to be closed', () => c.closed(), { ms: 20_000 });
});

test('a client naming another server (SNI) gets the one certificate, which it may refuse; the observer goes on serving', async () => {
  const s: TLSSocket = connectTls({ host: '127.0.0.1', port: port(), servername: 'evil.example', ca });
  const outcome = await new Promise<string>((resolve) => {
    s.once('secureConnect', () => resolve('connected'));
    s.once('error', (e: Error) => resolve(e.message));
  });
  assert.match(outcome, /evil\.example|connected/);
  s.destroy();
  assert.equal(await good(), 200);
});

test('a client asking to renegotiate (TLS 1.2) does not stop the observer serving pages', { timeout: 60_000 }, async () => {
  const s: TLSSocket = connectTls({ host: '127.0.0.1', port: port(), ca, maxVersion: 'TLSv1.2' });
  s.on('error', () => {});
  await new Promise((r) => s.once('secureConnect', r));
  // The server may refuse (an alert) or ignore it: either way the page next to it is served.
  s.renegotiate({}, () => {});
  assert.equal(await good(), 200);
  s.destroy();
});

test('500 TLS connects at once that never finish their handshake do not lock a page out', { timeout: 60_000 }, async () => {
  const flood = Array.from({ length: 500 }, () => raw(Buffer.from([0x16, 0x03, 0x01])));
  await Promise.all(flood.map((c) => new Promise((r) => (c.socket.connecting ? c.socket.once('connect', r) : r(undefined)))));
  assert.equal(await good(), 200);
  await waitFor('the flood to be closed', () => flood.every((c) => c.closed()), { ms: 20_000 });
});
