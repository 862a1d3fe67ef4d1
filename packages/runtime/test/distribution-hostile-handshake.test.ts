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

test('a flood of wrong-cookie handshakes is logged a line each with the address until the budget of the second is spent, then summed up naming the host it came from and how many; every message between good peers meanwhile arrives, in order', async () => {
  await withPeer(async ({ a, c, logs, port }) => {
    const got: number[] = [];
    a.spawn(async (ctx) => {
      ctx.register('sink');
      for (;;) got.push((await ctx.receive()) as number);
    });
    const before = a.dist!.refusals().count;
    const n = 300;
    let sent = 0;
    for (let round = 0; round < n / 25; round++) {
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          const raw = await dialRaw(port);
          raw.send({ t: 'hello', v: 4, vmin: 3, name: 'c@127.0.0.1', hidden: false, challenge: randomBytes(32).toString('hex'), tick: 60_000, flags: [] });
          assert.equal(json(await raw.next()).t, 'challenge');
          raw.send({ t: 'proof', digest: randomBytes(32).toString('hex') });
          assert.deepEqual(json(await raw.next()), { t: 'refused', reason: 'cookie' });
          raw.socket.destroy();
        }),
      );
      for (let i = 0; i < 10; i++) c.send({ name: 'sink', node: 'a@127.0.0.1' }, sent++);
    }
    await waitFor('every refusal counted', () => a.dist!.refusals().count - before >= n);
    const summary = /^distribution: (\d+) more incoming handshakes failed or were refused in that second, not logged one by one: from 127\.0\.0\.1 \((\d+)\) \(at most 10 lines a second; otp nodes --refused lists the recent ones\)$/;
    const each = /^distribution: refused a peer claiming to be c@127\.0\.0\.1 \(127\.0\.0\.1:\d+\): it did not prove the cookie \(wrong cookie; /;
    const counted = (): number => logs.reduce((k, l) => k + (each.test(l) ? 1 : Number(summary.exec(l)?.[1] ?? 0)), 0);
    await waitFor('the flood logged or summed up whole', () => counted() >= n);
    const sums = logs.filter((l) => summary.test(l));
    assert.ok(sums.length > 0, logs.join('\n'));
    for (const l of sums) assert.equal(summary.exec(l)![1], summary.exec(l)![2], l);
    assert.deepEqual(logs.filter((l) => !each.test(l) && !summary.test(l)), []);
    await waitFor('every message of the good peer', () => got.length === sent);
    assert.deepEqual(got, Array.from({ length: sent }, (_, i) => i));
  });
});
