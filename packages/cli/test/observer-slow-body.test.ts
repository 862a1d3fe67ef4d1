// A token holder trickling POST bodies (a byte every few seconds) held each request's slot among the 128 waiting for
// the node, for Node's 300 s request timeout: 128 such connections and the page's actions were 503s. A body now has a
// deadline from its headers (a 408, the connection closed), and is read before its request takes a slot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectSocket, type Socket } from 'node:net';
import { createNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { connect } from '@otp-ts/tracer';
import { startObserver } from '../src/observer/server.ts';
import { waitFor } from '../../../test/support/wait.ts';

let epmd: EpmdServer;
const COOKIE = 'observer-slow-body-secret';

before(async () => {
  epmd = new EpmdServer();
  process.env.OTP_EPMD_PORT = String(await epmd.listen(0));
});

after(async () => {
  await epmd.close();
});

test('slow POST bodies are cut with a 408 at the body deadline and the connection closed, and 130 of them trickling never take the slots a good action needs', { timeout: 60_000 }, async () => {
  const node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name: 'obs_slow_body@127.0.0.1', cookie: COOKIE, log: () => {} });
  const o = await startObserver({ node: 'obs_slow_body@127.0.0.1', connect: (n) => connect({ node: n, cookie: COOKIE, name: 'observer_slow_body_test@127.0.0.1' }), host: '127.0.0.1', port: 0, identity: 'test', slowClientMs: 3000 });
  const { port } = new URL(o.url);
  const slow: Array<{ socket: Socket; text: string; closed: boolean }> = [];
  try {
    for (let i = 0; i < 130; i++) {
      const socket = connectSocket(Number(port), '127.0.0.1');
      const one = { socket, text: '', closed: false };
      socket.on('data', (c: Buffer) => (one.text += c.toString()));
      socket.on('close', () => (one.closed = true));
      socket.on('error', () => {});
      socket.write(`POST /api/act HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${o.token}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{`);
      slow.push(one);
    }
    // Every slow request's headers have left: the observer reads them before the good request's, sent after.
    await Promise.all(slow.map((s) => new Promise((r) => (s.socket.connecting ? s.socket.once('connect', r) : r(undefined)))));
    // A good action is served while they trickle: its answer is the node's (no such process), not the 503 of full slots.
    const good = await fetch(new URL('/api/act', o.url), { method: 'POST', headers: { authorization: `Bearer ${o.token}` }, body: JSON.stringify({ action: 'kill', target: '<0.99999.0>' }) });
    assert.notEqual(good.status, 503, await good.text());
    for (const s of slow) s.socket.write(' ');
    // At the deadline each is a 408 with one sentence, and its connection is closed by the observer.
    await waitFor('every slow body to be cut', () => slow.every((s) => s.closed) || undefined, { ms: 30_000 });
    for (const s of slow) assert.match(s.text, /^HTTP\/1\.1 408 [^]*the request body did not arrive within 3000 ms: send the whole body at once/);
    const after = await fetch(new URL('/api/overview', o.url), { headers: { authorization: `Bearer ${o.token}` } });
    assert.equal(after.status, 200);
  } finally {
    for (const s of slow) s.socket.destroy();
    await o.close();
    node.shutdown();
  }
});
