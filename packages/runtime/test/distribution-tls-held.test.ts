// A TLS peer this node dialled, that proves the cookie and then floods what the node must answer while it reads
// none of the answers. Real TLS over loopback: the peer is a raw TLS server that shakes hands by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type TLSSocket } from 'node:tls';
import { createNode } from '../src/index.ts';
import { Pid, Ref } from '../src/pid.ts';
import { EpmdServer } from '../src/distribution/epmd-server.ts';
import { register } from '../src/distribution/epmd-client.ts';
import { encodeControl, type PidTranslator } from '../src/distribution/codec.ts';
import { proof } from '../src/distribution/handshake.ts';
import { makePki } from '../../../test/support/pki.ts';
import { waitFor } from '../../../test/support/wait.ts';

function frame(payload: Buffer | object): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

test('a TLS peer this node dialled that floods monitors of processes that do not exist, reading none of the answers, is not held for ever once the node stops reading from it: it is disconnected after the tick time, and the unsent answers stay bounded', { timeout: 120_000 }, async () => {
  const pki = makePki({ ca: ['a', 'b'] });
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode({ onCrash: () => {} });
  const files = (n: string) => ({ cert: readFileSync(pki.tls(n).cert), key: readFileSync(pki.tls(n).key), ca: readFileSync(pki.tls(n).ca) });
  let peerSocket: TLSSocket | undefined;
  // b: shakes hands as a listener (docs/protocol.md §3), then stops reading and floods.
  const b = createServer({ ...files('b'), requestCert: true, rejectUnauthorized: true }, (s) => {
    peerSocket = s;
    let buf = Buffer.alloc(0);
    const mine = 'c'.repeat(64);
    s.on('error', () => {});
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const f = JSON.parse(buf.subarray(4, 4 + buf.readUInt32BE(0)).toString()) as { t: string; challenge: string; name: string };
        buf = buf.subarray(4 + buf.readUInt32BE(0));
        if (f.t === 'hello') {
          (s as unknown as { hello: typeof f }).hello = f;
          s.write(frame({ t: 'challenge', v: 4, vmin: 3, name: 'b@127.0.0.1', challenge: mine, tick: 60_000, hidden: false, flags: [] }));
        } else if (f.t === 'proof') {
          const hello = (s as unknown as { hello: typeof f }).hello;
          s.write(frame({ t: 'proof', digest: proof('sekrit', 'listener', { dialler: hello.name, listener: 'b@127.0.0.1', diallerChallenge: hello.challenge, listenerChallenge: mine }) }));
          s.removeAllListeners('data');
          s.pause();
          const names = ['b@127.0.0.1', 'a@127.0.0.1'];
          const via: PidTranslator = { nameOf: (i) => names[i]!, indexOf: (n) => names.indexOf(n) };
          const monitor = frame(encodeControl(['monitor', new Pid(0, 7, 0), new Pid(1, 999_999, 0), new Ref(0, 1)], via, 1));
          const batch = Buffer.concat(Array.from({ length: 10_000 }, () => monitor));
          for (let i = 0; i < 60; i++) s.write(batch);
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => b.listen(0, '127.0.0.1', () => resolve()));
  const registration = await register({ name: 'b', port: (b.address() as { port: number }).port, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) }, '127.0.0.1', epmdPort);
  const logs: string[] = [];
  let peak = 0;
  let sample: NodeJS.Timeout | undefined;
  try {
    await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'sekrit', epmdPort, tickTime: 2000, maxFrameBytes: 4 * 1024 * 1024, tls: pki.tls('a'), log: (l) => logs.push(l) });
    assert.equal(await a.ping('b@127.0.0.1'), true);
    const conn = a.dist!.connectionTo('b@127.0.0.1')!;
    sample = setInterval(() => (peak = Math.max(peak, conn.buffered)), 5);
    await waitFor('a to close the connection to b', () => !a.nodes().includes('b@127.0.0.1'), { ms: 60_000 });
    // Up to a's maxFrameBytes (4 MiB here) and the answers to one frame past it.
    assert.ok(peak < 5 * 1024 * 1024, `${peak} bytes of answers waited for b`);
    const line = logs.find((l) => /stopped reading/.test(l));
    assert.match(line ?? logs.join('\n'), /^distribution: closed the connection to b@127\.0\.0\.1 \(127\.0\.0\.1:\d+\): the \d+ bytes waiting for it did not drain within 2000 ms \(the tick time\) while it sent more: it stopped reading$/);
  } finally {
    clearInterval(sample);
    peerSocket?.destroy();
    registration.close();
    b.close();
    await a.shutdown();
    await epmd.close();
    pki.remove();
  }
});
