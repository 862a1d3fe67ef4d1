// The port mapper against holders that are gone without a word and clients that never read: a name held by a
// registration whose node no longer listens goes to the node registering it again, and unread answers are bounded.
// Real TCP on loopback. What these tests cannot show on loopback: a real half-open connection (the kernel answers
// for a loopback peer), nor a holder whose host drops the probe's SYN (the probe's timeout); the holder is simulated
// by a registration connection that stays open while nothing listens on the port it registered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { EpmdServer } from '../src/distribution/epmd-server.ts';
import { createNode } from '../src/index.ts';
import { lookup, names, register } from '../src/distribution/epmd-client.ts';
import { encodeAlive2, encodeListenExtra, encodeNames, type NodeEntry } from '../src/distribution/epmd-protocol.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { freePort } from '../../../test/support/epmd.ts';

const entry = (name: string, port: number): NodeEntry => ({ name, port, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) });

async function listening(host = '127.0.0.1'): Promise<Server> {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return server;
}
const portOf = (server: Server): number => (server.address() as { port: number }).port;

// A registration connection that never closes by itself; `closed` says when the port mapper closed it.
async function rawRegistration(port: number, e: NodeEntry): Promise<{ socket: Socket; closed: () => boolean }> {
  let closed = false;
  const socket = connect({ host: '127.0.0.1', port }, () => socket.write(encodeAlive2(e)));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  return { socket, closed: () => closed };
}

test('a name held by a registration whose node no longer listens goes to the node registering it again; a holder that listens keeps it', async () => {
  const logs: string[] = [];
  const mapper = new EpmdServer((l) => logs.push(l), () => {}, { holderProbeMs: 2000 });
  const port = await mapper.listen(0);
  // A port nothing listens on: the node that registered it is gone.
  const goneport = await freePort();
  const alive = await listening();
  const restarted = await listening();
  try {
    // The holder's node is gone, but its registration connection was never closed (its host vanished).
    const stale = await rawRegistration(port, entry('shop', goneport));
    const again = await register(entry('shop', portOf(restarted)), '127.0.0.1', port);
    assert.deepEqual(await names('127.0.0.1', port), [{ name: 'shop', port: portOf(restarted) }]);
    await waitFor('the stale registration connection to be closed', () => stale.closed());
    assert.ok(logs.some((l) => l.includes(`dropped the registration of 'shop': its distribution port ${goneport} no longer accepts connections`)), logs.join('\n'));
    again.close();

    // A holder that listens is a running node: the name stays with it, as epmd refuses a taken name.
    const holder = await rawRegistration(port, entry('cart', portOf(alive)));
    await assert.rejects(register(entry('cart', portOf(restarted)), '127.0.0.1', port), /the name is taken by a running node \(listening on port \d+\)/);
    assert.deepEqual(await names('127.0.0.1', port), [{ name: 'cart', port: portOf(alive) }]);
    assert.equal(holder.closed(), false, 'the running holder keeps its registration connection');
    holder.socket.destroy();
  } finally {
    alive.close();
    restarted.close();
    await mapper.close();
  }
});

test('NAMES answers to clients that never read are bounded in all: past maxUnreadBytes the oldest unread answers are closed, the newest is whole', async () => {
  const logs: string[] = [];
  const cap = 20_000;
  const mapper = new EpmdServer((l) => logs.push(l), () => {}, { maxUnreadBytes: cap });
  const port = await mapper.listen(0);
  const registrations: Socket[] = [];
  const readers: Socket[] = [];
  try {
    // 20 nodes with 200-character names: each NAMES answer is about 4.5 KB, so the cap holds four.
    for (let i = 0; i < 20; i++) registrations.push((await rawRegistration(port, entry(`${String(i).padStart(2, '0')}${'n'.repeat(198)}`, 40_000 + i))).socket);
    const answered: Array<() => number> = [];
    for (let i = 0; i < 12; i++) {
      const chunks: Buffer[] = [];
      const socket = connect({ host: '127.0.0.1', port }, () => socket.write(encodeNames()));
      socket.on('error', () => {});
      socket.pause(); // never reads
      socket.on('data', (c: Buffer) => chunks.push(c));
      readers.push(socket);
      answered.push(() => Buffer.concat(chunks).length);
      // One at a time, so which are oldest is known.
      await waitFor(`answer ${i} to be sent`, () => logs.filter((l) => l.includes('answer went unread')).length >= i - 3 && mapper.unreadBytes() > 0);
    }
    await waitFor('the oldest unread answers to be closed', () => logs.filter((l) => l.includes('answer went unread')).length === 8);
    assert.ok(mapper.unreadBytes() <= cap, `${mapper.unreadBytes()} bytes of answers unread, over the cap of ${cap}`);
    const newest = readers.at(-1)!;
    newest.resume();
    // Four bytes of port, then `name <200 characters> at port 400NN\n` (220 bytes) for each of the 20 nodes.
    await waitFor('the newest reader to read its whole answer', () => answered.at(-1)!() >= 4 + 20 * 220);
    assert.equal(answered.at(-1)!(), 4 + 20 * 220, 'the newest answer is whole');
  } finally {
    for (const s of [...registrations, ...readers]) s.destroy();
    await mapper.close();
  }
});

test("the port mapper's probe of a running holder leaves no line and no refused handshake on the holder; a peer that starts a handshake and stalls is still logged there", async () => {
  const mapper = new EpmdServer(() => {}, () => {}, { holderProbeMs: 2000 });
  const port = await mapper.listen(0);
  const logs: string[] = [];
  const a = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: 'shop@127.0.0.1', cookie: 'c', epmdPort: port, log: (l) => logs.push(l), handshakeTimeoutMs: 500 });
    const holderPort = (await names('127.0.0.1', port)).find((n) => n.name === 'shop')!.port;
    // A contender: refused once the probe reached the holder's distribution port.
    await assert.rejects(register(entry('shop', 1), '127.0.0.1', port), /the name is taken by a running node/);
    // A real half-handshake: a hello's first bytes, then nothing; logged when its deadline passes.
    const half = connect({ host: '127.0.0.1', port: holderPort }, () => half.write(Buffer.from([0, 0, 0, 200, 0x7b])));
    half.on('error', () => {});
    await waitFor('the stalled handshake to be logged', () => logs.some((l) => l.includes('during the handshake')));
    half.destroy();
    assert.deepEqual(logs.filter((l) => !l.includes('during the handshake')), [], 'the probes left no line');
    assert.equal(logs.length, 1, logs.join('\n'));
    assert.equal(a.dist!.refusals().count, 1, 'only the stalled handshake counts as refused');
  } finally {
    await a.shutdown();
    await mapper.close();
  }
});

test('a name held by a registration whose node no longer listens is freed by the periodic check, with nobody contending for it; holders that listen keep theirs', async () => {
  const logs: string[] = [];
  const mapper = new EpmdServer((l) => logs.push(l), () => {}, { holderProbeMs: 500, registrationKeepAliveMs: 200 });
  const port = await mapper.listen(0);
  // A port nothing listens on: the node that registered it is gone.
  const goneport = await freePort();
  const alive = await Promise.all(Array.from({ length: 20 }, () => listening()));
  try {
    // Twenty running holders (more than are probed at once) and one whose node is gone, its registration connection open.
    const holders = await Promise.all(alive.map((s, i) => rawRegistration(port, entry(`up${i}`, portOf(s)))));
    const stale = await rawRegistration(port, entry('shop', goneport));
    await waitFor('the stale registration connection to be closed', () => stale.closed(), { ms: 15_000 });
    assert.deepEqual(logs, [`port mapper: dropped the registration of 'shop': its distribution port ${goneport} no longer accepts connections (checked every 200 ms), so the name is free`]);
    // The stale one came last in the check that dropped it: every running holder was checked before it, and kept.
    assert.ok(holders.every((h) => !h.closed()));
    assert.deepEqual((await names('127.0.0.1', port)).map((n) => n.name).sort(), alive.map((_, i) => `up${i}`).sort());
    for (const h of holders) h.socket.destroy();
  } finally {
    for (const s of alive) s.close();
    await mapper.close();
  }
});

const external = Object.values(networkInterfaces()).flatMap((l) => l ?? []).find((i) => i.family === 'IPv4' && !i.internal)?.address;

test("a node named after this host's non-loopback address (it listens there only, and registered over loopback) keeps its name through the periodic check", { skip: external === undefined ? 'this host has no non-loopback IPv4 address' : false }, async () => {
  const logs: string[] = [];
  const mapper = new EpmdServer((l) => logs.push(l), () => {}, { holderProbeMs: 500, registrationKeepAliveMs: 200 });
  const port = await mapper.listen(0);
  // A port nothing listens on: the node that registered it is gone.
  const goneport = await freePort();
  const node = createNode({ onCrash: () => {} });
  try {
    await node.startDistribution({ name: `wide@${external}`, cookie: 'sekrit', epmdPort: port, log: () => {} });
    // A stale registration after the node's: once it is dropped, the node's was checked in the same round.
    const stale = await rawRegistration(port, entry('stale', goneport));
    await waitFor('the stale registration to be dropped', () => stale.closed(), { ms: 15_000 });
    assert.deepEqual(logs.filter((l) => /'wide'/.test(l)), []);
    assert.deepEqual((await names('127.0.0.1', port)).map((n) => n.name), ['wide']);
  } finally {
    await node.shutdown();
    await mapper.close();
  }
});

test('a node named after another loopback address (b@127.0.0.2: it listens there only, and registered over 127.0.0.1) keeps its name through the periodic checks of a port mapper on every address, and is reached by name', async () => {
  const logs: string[] = [];
  const mapper = new EpmdServer((l) => logs.push(l), () => {}, { holderProbeMs: 500, registrationKeepAliveMs: 200 });
  const port = await mapper.listen(0, 'all');
  // A port nothing listens on: the node that registered it is gone.
  const goneport = await freePort();
  const nodeLogs: string[] = [];
  const b = createNode({ onCrash: () => {} });
  const a = createNode({ onCrash: () => {} });
  try {
    await b.startDistribution({ name: 'b@127.0.0.2', cookie: 'sekrit', epmdPort: port, log: (l) => nodeLogs.push(l) });
    // Three checks in turn: each drops a stale registration made after b's, so b's was checked in the same round.
    for (let round = 0; round < 3; round++) {
      const stale = await rawRegistration(port, entry(`stale${round}`, goneport));
      await waitFor(`stale registration ${round} to be dropped`, () => stale.closed(), { ms: 15_000 });
    }
    assert.deepEqual(logs.filter((l) => /'b'/.test(l)), [], 'b was never dropped');
    assert.deepEqual(nodeLogs.filter((l) => l.includes('port mapper')), [], 'b never lost its registration');
    assert.deepEqual((await names('127.0.0.1', port)).map((n) => n.name), ['b']);
    await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'sekrit', epmdPort: port, log: () => {} });
    assert.equal(await a.ping('b@127.0.0.2'), true, 'a reaches b by name, through the port mapper at 127.0.0.2');
    // A contender for the name: the probe at registration finds b where it listens, so b keeps it.
    await assert.rejects(register(entry('b', goneport), '127.0.0.1', port), /the name is taken by a running node/);
    assert.deepEqual((await names('127.0.0.1', port)).map((n) => n.name).sort(), ['a', 'b']);
  } finally {
    await a.shutdown();
    await b.shutdown();
    await mapper.close();
  }
});

test("a registration's extra that is not an otp-ts listen address (an OTP node's, garbage, a near miss, another host's address) is probed as one without it, and handed back untouched", async () => {
  const logs: string[] = [];
  const mapper = new EpmdServer((l) => logs.push(l), () => {}, { holderProbeMs: 500, registrationKeepAliveMs: 200 });
  const port = await mapper.listen(0);
  const foreign = [
    Buffer.from([0xff, 0x00, 0x7f, 0x80]),
    Buffer.from('OTP-TS-LISTEN:127.0.0.3'),
    Buffer.from('otp-ts-listen:127.0.0.3 '),
    Buffer.from('otp-ts-listen:127.0.0.3\0'),
    Buffer.from('otp-ts-listen: 127.0.0.3'),
    Buffer.from('x-otp-ts-listen:127.0.0.3'),
    Buffer.from('otp-ts-listen:127.0.0.3.4'),
    Buffer.from('otp-ts-listen:'),
    Buffer.from('otp-ts-listen:192.0.2.1'),
  ];
  // Each holder listens on 127.0.0.3 only: found there only through a well-formed listen address.
  const servers = await Promise.all([...foreign, null].map(() => listening('127.0.0.3')));
  try {
    const good = await rawRegistration(port, { ...entry('good', portOf(servers.at(-1)!)), extra: encodeListenExtra('127.0.0.3') });
    const bad = await Promise.all(foreign.map((extra, i) => rawRegistration(port, { ...entry(`foreign${i}`, portOf(servers[i]!)), extra })));
    for (const [i, extra] of foreign.entries()) assert.deepEqual((await lookup(`foreign${i}`, '127.0.0.1', port))?.extra, extra, 'the extra is handed back as sent');
    await waitFor('every foreign registration to be probed as one without a listen address, and dropped', () => bad.every((r) => r.closed()), { ms: 15_000 });
    assert.equal(good.closed(), false, 'the well-formed listen address is probed, and its holder kept');
    assert.deepEqual((await names('127.0.0.1', port)).map((n) => n.name), ['good']);
    good.socket.destroy();
  } finally {
    for (const s of servers) s.close();
    await mapper.close();
  }
});
