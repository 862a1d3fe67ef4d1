// The port mapper against clients that misbehave: idle, half-sent, numerous, forged names, fuzzed requests.
// Real TCP on loopback; the built-in port mapper's own OS process where its flags and log are what is tested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { EpmdServer } from '../src/distribution/epmd-server.ts';
import { lookup, names, register } from '../src/distribution/epmd-client.ts';
import { encodeAlive2, encodeKill, encodeNames, encodePortPlease, type NodeEntry } from '../src/distribution/epmd-protocol.ts';
import { escapeForLog, portMapperAddresses } from '../src/distribution/epmd-address.ts';
import { logWindows, waitFor } from '../../../test/support/wait.ts';

const entry = (name: string, port: number): NodeEntry => ({ name, port, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) });
const epmdMain = fileURLToPath(new URL('../src/distribution/epmd-main.ts', import.meta.url));

// The shared wait (test/support/wait.ts) under this file's name and argument order.
const until = (what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<unknown> => waitFor(what, check, { ms });

// Every raw client, destroyed after each test so a failing one still lets its server close.
const opened = new Set<Socket>();

// A raw client that records whether the port mapper closed it; the test never closes it first.
function rawClient(port: number, bytes: Buffer, host = '127.0.0.1'): { socket: Socket; closed: () => boolean; received: () => Buffer } {
  let closed = false;
  const chunks: Buffer[] = [];
  const socket = connect({ host, port }, () => socket.write(bytes));
  opened.add(socket);
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  return { socket, closed: () => closed, received: () => Buffer.concat(chunks) };
}

// `logs` and, for each line, when it was logged (`times`, ms): a flood's lines are bounded per second, not in all.
async function withServer(options: ConstructorParameters<typeof EpmdServer>[2], body: (port: number, server: EpmdServer, logs: string[], times: number[]) => Promise<void>): Promise<void> {
  const logs: string[] = [];
  const times: number[] = [];
  const server = new EpmdServer(
    (l) => {
      logs.push(l);
      times.push(Date.now());
    },
    () => {},
    options,
  );
  const port = await server.listen(0);
  try {
    await body(port, server, logs, times);
  } finally {
    for (const s of opened) s.destroy();
    opened.clear();
    await server.close();
  }
}

test('idle and half-sent connections are closed after the request timeout; a registration is long-lived and stays', async () => {
  await withServer({ requestTimeoutMs: 300 }, async (port, server, logs) => {
    const reg = await register(entry('steady', 41001), '127.0.0.1', port);
    const half = encodeAlive2(entry('half', 41002));
    const clients = [
      rawClient(port, Buffer.alloc(0)),
      rawClient(port, Buffer.alloc(0)),
      rawClient(port, half.subarray(0, 1)),
      rawClient(port, half.subarray(0, 5)),
      rawClient(port, encodePortPlease('steady').subarray(0, 4)),
    ];
    await until('the port mapper to close all 5 idle or half-sent connections', () => clients.every((c) => c.closed()));
    assert.ok(logs.some((l) => /idle or incomplete after 300 ms/.test(l)), logs.join('\n'));
    // The registration's connection was idle all along, longer than the timeout, and still holds the name.
    assert.deepEqual(server.names(), ['steady']);
    assert.equal((await lookup('steady', '127.0.0.1', port))?.port, 41001);
    reg.close();
  });
});

test('connections past the cap close the oldest waiting one; lookups and registrations keep working', async () => {
  await withServer({ maxConnections: 4 }, async (port) => {
    const reg = await register(entry('capped', 41010), '127.0.0.1', port);
    const idle = Array.from({ length: 12 }, () => rawClient(port, Buffer.alloc(0)));
    await until('the port mapper to close the 8 oldest idle connections', () => idle.filter((c) => c.closed()).length >= 8);
    assert.deepEqual(idle.slice(0, 8).map((c) => c.closed()), Array(8).fill(true), 'the oldest go first');
    assert.equal((await lookup('capped', '127.0.0.1', port))?.port, 41010);
    assert.deepEqual(await names('127.0.0.1', port), [{ name: 'capped', port: 41010 }]);
    for (const c of idle) c.socket.destroy();
    reg.close();
  });
});

test('a flood of connections past the cap is logged as one line, then one a second with the count: not a line a connection', async () => {
  await withServer({ maxConnections: 4 }, async (port, _server, logs, times) => {
    const reg = await register(entry('flooded', 41011), '127.0.0.1', port);
    const flood = Array.from({ length: 200 }, () => rawClient(port, Buffer.alloc(0)));
    await until('the port mapper to close the 196 oldest', () => flood.filter((c) => c.closed()).length >= 196);
    const evictions = (): string[] => logs.filter((l) => /more than 4 connections are open; closed the oldest$/.test(l));
    const counted = (): number => evictions().reduce((n, l) => n + Number(/^port mapper: closed (\d+) more connections? in the last second: /.exec(l)?.[1] ?? 1), 0);
    await until('every closed connection counted in the lines', () => counted() === 196);
    // One line a window, and one summing it up when it ends: a loaded machine may spread the flood over more windows.
    const windows = logWindows(logs.flatMap((l, i) => (/: more than 4 connections are open; closed the oldest$/.test(l) && !/ in the last second: /.test(l) ? [times[i]!] : [])));
    assert.ok(evictions().length <= 2 * windows, `${evictions().length} lines in ${windows} windows:\n${evictions().join('\n')}`);
    assert.equal((await lookup('flooded', '127.0.0.1', port))?.port, 41011);
    reg.close();
  });
});

test('a flood of garbage requests is logged at most 10 lines a second plus one summing line, each connection counted; lookups keep working', async () => {
  await withServer({}, async (port, _server, logs, times) => {
    const reg = await register(entry('steady', 41012), '127.0.0.1', port);
    const flood = 300;
    const garbage = Array.from({ length: flood }, () => rawClient(port, Buffer.from([0xff, 0xff, 1, 2])));
    await until('the port mapper to close every garbage connection', () => garbage.every((c) => c.closed()));
    const closed = (): string[] => logs.filter((l) => /^port mapper: closed /.test(l));
    const counted = (): number => closed().reduce((n, l) => n + Number(/^port mapper: closed (\d+) more connections? in that second/.exec(l)?.[1] ?? 1), 0);
    await until('every garbage connection counted in the lines', () => counted() === flood);
    // At most 10 lines and one summing line a second: counted in the seconds the flood's lines spread over (one on an idle machine).
    const summing = /^port mapper: closed \d+ more connections? in that second, not logged one by one \(at most 10 lines a second\)$/;
    const windows = logWindows(logs.flatMap((l, i) => (/^port mapper: closed a connection from /.test(l) ? [times[i]!] : [])));
    assert.ok(closed().filter((l) => !summing.test(l)).length <= 10 * windows, `${closed().length} lines for ${flood} connections in ${windows} windows`);
    assert.ok(closed().filter((l) => summing.test(l)).length <= windows, `${closed().length} lines for ${flood} connections in ${windows} windows`);
    assert.match(closed()[0]!, /^port mapper: closed a connection from 127\.0\.0\.1: a request of 65535 bytes$/);
    assert.match(closed().at(-1)!, windows === 1 ? summing : /^port mapper: closed /);
    assert.equal((await lookup('steady', '127.0.0.1', port))?.port, 41012);
    reg.close();
  });
});

test('one registration per connection: a second ALIVE2 on it registers nothing and gets no answer (as epmd), and closing it frees its one name', async () => {
  await withServer({}, async (port, server, logs) => {
    const twice = rawClient(port, encodeAlive2(entry('first', 41020)));
    await until('the first registration', () => twice.received().length >= 6);
    twice.socket.write(encodeAlive2(entry('second', 41021)));
    await until('the second registration to be ignored', () => logs.some((l) => /ignored a second registration on the registration connection of 'first'/.test(l)));
    // A lookup after it went through the same port mapper: had an answer been sent, it would have arrived by now.
    assert.equal((await lookup('second', '127.0.0.1', port)), undefined);
    assert.equal(twice.received().length, 6, 'nothing but the answer to the first registration');
    assert.equal(twice.closed(), false);
    assert.deepEqual(server.names(), ['first']);
    twice.socket.destroy();
    await until('the name to be freed', () => server.names().length === 0);
  });
});

test('a registration of a name a running node holds (taken) is refused with one line naming it and the holder\'s port, within the budget of lines; the running node stays registered', async () => {
  // The holder listens on its port: the port mapper checks that a holder still listens before it refuses.
  const holder = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const held = (holder.address() as { port: number }).port;
  await withServer({}, async (port, server, logs, times) => {
    const reg = rawClient(port, encodeAlive2(entry('shop', held)));
    await until('the registration', () => reg.received().length >= 6);
    const thief = rawClient(port, encodeAlive2(entry('shop', 41031)));
    await until('the refusal', () => thief.received().length >= 6);
    assert.equal(thief.received()[1], 1, 'a non-zero result');
    await until('the line about it', () => logs.some((l) => /^port mapper: refused to register /.test(l)));
    assert.deepEqual(logs, [`port mapper: refused to register 'shop': the name is taken by a running node (listening on port ${held}); stop that node, or give the new one another name`]);
    // A flood of such registrations: at most 10 lines a second, the rest summed up.
    const flood = 200;
    for (let i = 0; i < flood; i++) rawClient(port, encodeAlive2(entry('shop', 41032)));
    const one = /^port mapper: refused to register 'shop': /;
    const summing = /^port mapper: closed (\d+) more connections? in that second, not logged one by one \(at most 10 lines a second\)$/;
    const counted = (): number => logs.reduce((n, l) => n + (one.test(l) ? 1 : Number(summing.exec(l)?.[1] ?? 0)), 0);
    await until('every refusal counted in the lines', () => counted() === flood + 1);
    const windows = logWindows(logs.flatMap((l, i) => (one.test(l) ? [times[i]!] : [])));
    assert.ok(logs.filter((l) => one.test(l)).length <= 10 * windows, `${logs.length} lines for ${flood} registrations in ${windows} windows`);
    assert.ok(logs.filter((l) => summing.test(l)).length <= windows, `${logs.length} lines for ${flood} registrations in ${windows} windows`);
    assert.deepEqual(server.names(), ['shop']);
    assert.equal((await lookup('shop', '127.0.0.1', port))?.port, held);
  });
  holder.close();
});

test('requests flooded on a registration connection are logged at most 10 a second plus one summing line; the name stays', async () => {
  await withServer({}, async (port, server, logs) => {
    const reg = rawClient(port, encodeAlive2(entry('chatty', 41025)));
    await until('the registration', () => reg.received().length >= 6);
    const flood = 5000;
    reg.socket.write(Buffer.concat(Array.from({ length: flood }, () => Buffer.from([0, 1, 110]))));
    const ignored = (): string[] => logs.filter((l) => /^port mapper: ignored /.test(l));
    const counted = (): number => ignored().reduce((n, l) => n + Number(/^port mapper: ignored (\d+) more requests? on registration/.exec(l)?.[1] ?? 1), 0);
    await until('every ignored request counted in the lines', () => counted() === flood);
    assert.ok(ignored().length <= 11, `${ignored().length} lines for ${flood} requests`);
    assert.deepEqual(server.names(), ['chatty']);
    assert.equal((await lookup('chatty', '127.0.0.1', port))?.port, 41025);
  });
});

test('the built-in port mapper process escapes names in its log: a name cannot forge a log line', async () => {
  const port = await freePort();
  const mapper = spawn(process.execPath, [...process.execArgv, epmdMain, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  mapper.stderr.on('data', (c: Buffer) => (err += c.toString()));
  try {
    await until('the port mapper to listen', () => names('127.0.0.1', port).then(() => true, () => false));
    const forged = 'x\nport mapper: FORGED\u0085\u2028\r\u001b[31m';
    const c = rawClient(port, encodeAlive2(entry(forged, 41030)));
    await until('the bad name to be refused', () => c.closed());
    await until('the refusal to be logged', () => err.includes('\n'));
    const lines = err.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, err);
    assert.doesNotMatch(lines[0]!, /[^\x20-\x7e]/, 'only printable ASCII');
    assert.match(lines[0]!, /^port mapper: closed a connection from [\d.:a-f]+: ALIVE2_REQ has an invalid node name .*FORGED/);
  } finally {
    mapper.kill();
  }
});

test('the built-in port mapper listens on every interface with --address all (reached at 127.0.0.2, not its loopback 127.0.0.1)', async () => {
  const port = await freePort();
  const mapper = spawn(process.execPath, [...process.execArgv, epmdMain, '--port', String(port), '--address', 'all'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await until('the port mapper to listen', () => names('127.0.0.1', port).then(() => true, () => false));
    const reg = await register(entry('wide', 41040), '127.0.0.1', port);
    assert.equal((await lookup('wide', '127.0.0.2', port))?.port, 41040, 'answered on an address other than 127.0.0.1');
    reg.close();
  } finally {
    mapper.kill();
  }
});

test('where the built-in port mapper listens: loopback for a loopback node, every interface for name@10.0.0.5 (as epmd), or OTP_EPMD_ADDRESS', () => {
  assert.deepEqual(portMapperAddresses('127.0.0.1', {}), ['127.0.0.1']);
  assert.deepEqual(portMapperAddresses('localhost', {}), ['127.0.0.1']);
  assert.deepEqual(portMapperAddresses('::1', {}), ['127.0.0.1']);
  assert.deepEqual(portMapperAddresses('10.0.0.5', {}), ['all']);
  assert.deepEqual(portMapperAddresses('shop-0.shop-headless.default.svc.cluster.local', {}), ['all']);
  assert.deepEqual(portMapperAddresses('10.0.0.5', { OTP_EPMD_ADDRESS: '10.0.0.5, 127.0.0.1' }), ['10.0.0.5', '127.0.0.1']);
  assert.deepEqual(portMapperAddresses('127.0.0.1', { ERL_EPMD_ADDRESS: 'all' }), ['all']);
  assert.equal(escapeForLog('a\nb\u2028c\u0085'), 'a\\x0ab\\u{2028}c\\x85');
});

// A free TCP port, from the OS.
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// Valid requests, then mutated: bytes flipped, truncated, extended, or with a lying length.
const valid = fc.oneof(
  fc.stringMatching(/^[a-z][\w.-]{0,15}$/).map((n) => encodeAlive2(entry(`fz${n}`, 42000))),
  fc.string({ maxLength: 20 }).map((n) => encodePortPlease(n)),
  fc.constant(encodeNames()),
  fc.constant(encodeKill()),
);
const mutated = fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat(), { nil: undefined }), fc.uint8Array({ maxLength: 8 })).map(([bytes, flips, cut, extra]) => {
  const b = Buffer.from(bytes);
  for (const [at, v] of flips) b[at % b.length] = v;
  return Buffer.concat([cut === undefined ? b : b.subarray(0, cut % (b.length + 1)), Buffer.from(extra)]);
});
const request = fc.oneof(valid, mutated, fc.uint8Array({ minLength: 0, maxLength: 64 }).map((a) => Buffer.from(a)));

test('fuzzed requests (random and mutated valid ones): every connection ends, the port mapper keeps serving and its nodes stay registered', async () => {
  await withServer({ requestTimeoutMs: 200, maxConnections: 32 }, async (port, server) => {
    const regs = [await register(entry('keepa', 41050), '127.0.0.1', port), await register(entry('keepb', 41051), '127.0.0.1', port)];
    let batches = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 12 }), async (batch) => {
        const clients = batch.map((bytes) => rawClient(port, bytes));
        // Nobody closes these clients but the port mapper (an answer, a refusal or the request timeout), except a
        // registration that succeeded, which the port mapper must keep: the test ends it as a node would.
        const registered = (c: (typeof clients)[number]): boolean => c.received()[0] === 118 && c.received()[1] === 0;
        await until('the port mapper to end every fuzzed connection', () => clients.every((c) => c.closed() || (registered(c) && (c.socket.destroy(), true))));
        const listed = (await names('127.0.0.1', port)).map((n) => n.name);
        assert.ok(listed.includes('keepa') && listed.includes('keepb'), `NAMES after a batch: ${listed.join(', ')}`);
        assert.equal((await lookup('keepa', '127.0.0.1', port))?.port, 41050);
        assert.equal((await lookup('keepb', '127.0.0.1', port))?.port, 41051);
        batches++;
      }),
      { numRuns: 25 },
    );
    assert.equal(batches >= 25, true);
    // Fuzzed registrations went with their connections.
    await until('only the two real nodes to remain', () => server.names().length === 2);
    for (const r of regs) r.close();
  });
});

test("a registration under a name longer than a node name's 255 bytes closes that connection only: a full port mapper of the longest names still answers NAMES within what a client reads (1 MiB)", { timeout: 120_000 }, async () => {
  await withServer({ maxConnections: 2048 }, async (port, server) => {
    const long = rawClient(port, encodeAlive2(entry('n'.repeat(256), 41000)));
    await until('the port mapper to close the connection of the overlong name', () => long.closed());
    assert.equal(long.received().length, 0, 'no answer: the request is malformed');
    assert.deepEqual(server.names(), []);
    // As many registrations as it takes, each under a name of 1000 bytes had they been taken (the request holds 1024).
    const clients = Array.from({ length: 1024 }, (_, i) => rawClient(port, encodeAlive2(entry(`${String(i).padStart(4, '0')}${'n'.repeat(251)}`, 10_000 + i))));
    await until('all 1024 registrations answered', () => clients.every((c) => c.received().length >= 6));
    assert.equal(server.names().length, 1024);
    const listed = await names('127.0.0.1', port);
    assert.equal(listed.length, 1024);
  });
});

// How many connects the kernel queues for a listener whose process is not accepting: its backlog, at most somaxconn.
function burstSize(): number {
  let max = 4096;
  try {
    max = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
  } catch {
    // Not Linux: the burst is one Node's default backlog (511) cannot queue.
  }
  return Math.max(2, Math.min(1500, max));
}

test("a burst of connects while the built-in port mapper is busy (its process stopped) is queued by the kernel past Node's default backlog of 511, not dropped; then served", { timeout: 120_000 }, async () => {
  const port = await freePort();
  const mapper = spawn(process.execPath, [...process.execArgv, epmdMain, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const burst: Socket[] = [];
  try {
    await until('the port mapper to listen', () => names('127.0.0.1', port).then(() => true, () => false));
    const reg = await register(entry('busy', 41060), '127.0.0.1', port);
    mapper.kill('SIGSTOP');
    let connected = 0;
    const n = burstSize();
    for (let i = 0; i < n; i++) {
      const s = connect({ host: '127.0.0.1', port }, () => connected++);
      s.on('error', () => {});
      burst.push(s);
    }
    // The kernel completes the handshake of each connect it queues; past the backlog it drops the SYN (the client retries, in vain while the queue stays full).
    await until(`all ${n} connects of the burst queued by the kernel`, () => connected === n, 15_000);
    mapper.kill('SIGCONT');
    for (const s of burst) s.destroy();
    assert.equal((await lookup('busy', '127.0.0.1', port))?.port, 41060);
    reg.close();
  } finally {
    for (const s of burst) s.destroy();
    mapper.kill('SIGCONT');
    mapper.kill();
  }
});
