// A client of another protocol pointed at a node's distribution port (a browser, curl, a TLS client) is told
// apart from a distribution peer: one line says what it spoke, with its address, not a frame size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createNode } from '@otp-ts/runtime';
import { EpmdServer, portMapperLookup } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

async function sendRaw(port: number, bytes: Buffer): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  socket.end(bytes);
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
}

test('an HTTP request or other text sent to the distribution port is logged as a peer that does not speak the distribution protocol, with its address', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const node = createNode({ onCrash: () => {} });
  const logs: string[] = [];
  try {
    await node.startDistribution({ name: 'target@127.0.0.1', cookie: 'c', epmdPort, log: (l) => logs.push(l) });
    const entry = await portMapperLookup('target', '127.0.0.1', epmdPort);
    assert.ok(entry);
    await sendRaw(entry.port, Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    await waitFor('the line about the HTTP request', () => logs.length >= 1, { ms: 10_000 });
    assert.match(logs[0]!, /^distribution: closed the connection from a peer at 127\.0\.0\.1:\d+ during the handshake: it does not speak the distribution protocol: it sent an HTTP request$/);
    await sendRaw(entry.port, Buffer.from('hello there\n'));
    await waitFor('the line about the text', () => logs.length >= 2, { ms: 10_000 });
    assert.match(logs[1]!, /^distribution: closed the connection from a peer at 127\.0\.0\.1:\d+ during the handshake: it does not speak the distribution protocol: it sent text \("hello there\\n"\)$/);
    assert.ok(!logs.some((l) => /byte limit/.test(l)), logs.join('\n'));
  } finally {
    node.shutdown();
    await epmd.close();
  }
});
