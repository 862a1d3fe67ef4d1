// An attacker on the distribution port, at each stage of the handshake: what it sends, where it stops, how often.
// Real TCP on loopback: the attacker is a raw client (support/raw-peer.ts) against a node and a good peer of its cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { waitFor } from '../../../test/support/wait.ts';
import { dialRaw, frame, json } from './support/raw-peer.ts';
import { withPeer } from './support/hostile-cluster.ts';

test('a peer that sends part of its hello, or a whole hello and no proof, and then closes is logged with its address and counted; one that sends nothing is not (a port probe)', async () => {
  await withPeer(async ({ a, c, logs, port }) => {
    const before = a.dist!.refusals().count;
    // Half a frame: the length of a hello and the first bytes of it.
    const half = await dialRaw(port);
    const hello = frame({ t: 'hello', v: 4, vmin: 3, name: 'x@127.0.0.1', hidden: false, challenge: randomBytes(32).toString('hex'), tick: 60_000, flags: [] });
    half.socket.write(hello.subarray(0, 20));
    const halfAt = `127.0.0.1:${half.socket.localPort}`;
    half.socket.end();
    await waitFor('a line about the half hello', () => logs.find((l) => l.includes(halfAt)), { ms: 10_000 });
    // A whole hello, the challenge back, then gone without a proof.
    const whole = await dialRaw(port);
    whole.socket.write(hello);
    assert.equal(json(await whole.next()).t, 'challenge');
    const wholeAt = `127.0.0.1:${whole.socket.localPort}`;
    whole.socket.end();
    await waitFor('a line about the hello without a proof', () => logs.find((l) => l.includes(wholeAt)), { ms: 10_000 });
    // Nothing at all: a health check or a port scan, no line and not counted.
    const silent = await dialRaw(port);
    const silentAt = `127.0.0.1:${silent.socket.localPort}`;
    silent.socket.end();
    await waitFor('the silent connection closed', () => silent.closed);
    assert.equal(await c.ping('a@127.0.0.1'), true);
    const lines = logs.filter((l) => /closed|refused/.test(l));
    assert.match(lines.find((l) => l.includes(halfAt)) ?? '', /^distribution: closed the connection from a peer at 127\.0\.0\.1:\d+ during the handshake: it closed the connection after \d+ bytes of its hello$/);
    assert.match(lines.find((l) => l.includes(wholeAt)) ?? '', /^distribution: closed the connection from a peer claiming to be x@127\.0\.0\.1 \(127\.0\.0\.1:\d+\) during the handshake: it closed the connection before it proved the cookie$/);
    assert.deepEqual(lines.filter((l) => l.includes(silentAt)), []);
    const recent = a.dist!.refusals().recent.filter((r) => r.address === halfAt || r.address === wholeAt);
    assert.equal(a.dist!.refusals().count - before, 2, JSON.stringify(a.dist!.refusals()));
    assert.deepEqual(recent.map((r) => [r.direction, r.peer]), [['incoming', undefined], ['incoming', 'x@127.0.0.1']]);
  });
});
