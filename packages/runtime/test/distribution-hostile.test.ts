// The port mapper and the distribution listener against what a hostile or broken party on the network does
// to them: a port mapper that accepts and never answers, a client on another host registering a name, a
// node whose start failed still listening. Real TCP on loopback, real OS processes where a process's fate is tested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, createServer, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { createNode } from '../src/index.ts';
import { EpmdServer } from '../src/distribution/epmd-server.ts';
import { isLocalPeer } from '../src/distribution/epmd-address.ts';
import { Admission } from '../src/distribution/admission.ts';
import { lookup, names, register } from '../src/distribution/epmd-client.ts';
import { encodeAlive2, encodeKill, type NodeEntry } from '../src/distribution/epmd-protocol.ts';
import { waitFor } from '../../../test/support/wait.ts';

const epmdMain = fileURLToPath(new URL('../src/distribution/epmd-main.ts', import.meta.url));
const takenName = fileURLToPath(new URL('./fixtures/taken-name.ts', import.meta.url));
const entry = (name: string, port: number): NodeEntry => ({ name, port, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) });

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// `promise`, or a rejection naming `what` once 30 s pass: a hang fails the test instead of stalling it.
function within<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: still waiting after 30000 ms`)), 30_000)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

test('a port mapper that accepts connections and never answers (its process stopped) fails a dial at the handshake deadline with a line naming it; messages for that node are dropped, not held', async () => {
  const port = await freePort();
  const mapper = spawn(process.execPath, [...process.execArgv, epmdMain, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const node = createNode({ onCrash: () => {} });
  try {
    await waitFor('the port mapper to listen', () => names('127.0.0.1', port).then(() => true, () => false));
    await node.startDistribution({ name: 'asker@127.0.0.1', cookie: 'sekrit', epmdPort: port, handshakeTimeoutMs: 1000, log: (l) => logs.push(l) });
    // Stopped, its process still holds the port: the kernel accepts connections for it, nobody answers.
    mapper.kill('SIGSTOP');
    assert.equal(await within('ping through the stopped port mapper', node.ping('ghost@127.0.0.1')), false);
    const silent = new RegExp(`no port mapper answers on 127\\.0\\.0\\.1:${port} \\(the port mapper at 127\\.0\\.0\\.1:${port} accepted the connection but sent no answer within 1000 ms; `);
    assert.match(node.dist!.connectFailure('ghost@127.0.0.1')?.message ?? '', silent);
    node.send({ name: 'inbox', node: 'ghost@127.0.0.1' }, 'hello');
    await waitFor('the message for the unreachable node to be dropped with a line', () => logs.some((l) => /^distribution: dropped 1 message to 'ghost@127\.0\.0\.1': /.test(l) && silent.test(l)));
    // The port mapper client's other requests have their deadline too.
    await within('names() from the stopped port mapper', assert.rejects(names('127.0.0.1', port, 500), /accepted the connection but sent no answer within 500 ms/));
    await within('register() with the stopped port mapper', assert.rejects(register(entry('late', 41001), '127.0.0.1', port, 500), /sent no answer within 500 ms/));
  } finally {
    mapper.kill('SIGCONT');
    mapper.kill();
    await node.shutdown();
  }
});

test('a node whose name is taken does not start its distribution, and stops listening: a script that catches the error ends by itself', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const holder = createNode({ onCrash: () => {} });
  await holder.startDistribution({ name: 'taken@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  const child = spawn(process.execPath, [...process.execArgv, takenName, JSON.stringify({ name: 'taken@127.0.0.1', epmdPort })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let exited = false;
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.once('exit', () => (exited = true));
  try {
    await waitFor('the second node to report its failed start', () => out.includes('\n'));
    assert.match(out, /^failed: the port mapper refused to register 'taken': the name is taken by a running node \(listening on port \d+\); stop that node, or give this one another name \(--sname or --name\)\n$/);
    await waitFor('the process whose distribution failed to start to end by itself (no listener left open)', () => exited);
  } finally {
    child.kill('SIGKILL');
    await holder.shutdown();
    await epmd.close();
  }
});

test('who counts as on this host for the port mapper, as epmd: loopback, or the address the client connected to', () => {
  assert.equal(isLocalPeer('127.0.0.1', '127.0.0.1'), true);
  assert.equal(isLocalPeer('127.0.0.2', '10.0.0.5'), true);
  assert.equal(isLocalPeer('::1', '::1'), true);
  assert.equal(isLocalPeer('::ffff:127.0.0.1', '::ffff:10.0.0.5'), true);
  assert.equal(isLocalPeer('10.0.0.5', '10.0.0.5'), true, 'this host dialling its own interface');
  assert.equal(isLocalPeer('::ffff:10.0.0.5', '10.0.0.5'), true);
  assert.equal(isLocalPeer('10.0.0.7', '10.0.0.5'), false);
  assert.equal(isLocalPeer('::ffff:10.0.0.7', '::ffff:10.0.0.5'), false);
  assert.equal(isLocalPeer('fe80::1', '::1'), false);
  assert.equal(isLocalPeer('1127.0.0.1', '10.0.0.5'), false);
  assert.equal(isLocalPeer(undefined, '127.0.0.1'), false);
});

test('a client on another host can look nodes up but neither register a name (taking a node\'s place) nor stop the port mapper: refused with a line each', async () => {
  const logs: string[] = [];
  const epmd = new EpmdServer((l) => logs.push(l));
  const port = await epmd.listen(0);
  // Every client on this machine is local: the port mapper's side of the connections from these client
  // ports sees a peer on another host (203.0.113.9, a documentation address), as it would on a real network.
  const foreignPorts = new Set<number>();
  type Peer = { address?: string; port?: number; family?: string };
  const proto = Socket.prototype as unknown as { _getpeername(this: Socket): Peer };
  const real = proto._getpeername;
  proto._getpeername = function (this: Socket): Peer {
    const peer = real.call(this);
    return this.localPort === port && foreignPorts.has(peer.port!) ? { ...peer, address: '203.0.113.9' } : peer;
  };
  const foreign = (bytes: Buffer): Promise<Buffer> =>
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const s = connect({ host: '127.0.0.1', port }, () => {
        foreignPorts.add(s.localPort!);
        s.write(bytes);
      });
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('error', () => {});
      s.on('close', () => resolve(Buffer.concat(chunks)));
    });
  const local = await register(entry('shop', 41010), '127.0.0.1', port);
  try {
    await within('the port mapper to close the foreign registration', foreign(encodeAlive2(entry('intruder', 41011))));
    assert.deepEqual(epmd.names(), ['shop'], 'the foreign registration took no name');
    assert.equal(await lookup('intruder', '127.0.0.1', port), undefined);
    assert.equal((await within('the port mapper to close the foreign kill request', foreign(encodeKill()))).toString(), '', 'no OK: the port mapper was not stopped');
    assert.equal((await lookup('shop', '127.0.0.1', port))?.port, 41010, 'it keeps serving');
    assert.deepEqual(
      logs.filter((l) => /203\.0\.113\.9/.test(l)),
      [
        'port mapper: closed a connection from 203.0.113.9: refused a registration from another host: only nodes on this host register with its port mapper',
        'port mapper: closed a connection from 203.0.113.9: refused a kill request from another host: only nodes on this host register with its port mapper',
      ],
    );
  } finally {
    proto._getpeername = real;
    local.close();
    await epmd.close();
  }
});

test('stalled handshakes from one host cannot lock the other nodes out: at the cap, the host holding the most places gives up its oldest, and a node from elsewhere gets in', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const logs: string[] = [];
  const target = createNode({ onCrash: () => {} });
  const visitor = createNode({ onCrash: () => {} });
  const flood: Socket[] = [];
  try {
    await target.startDistribution({ name: 'besieged@127.0.0.1', cookie: 'sekrit', epmdPort, maxUnauthenticated: 4, handshakeTimeoutMs: 20_000, log: (l) => logs.push(l) });
    const port = (await lookup('besieged', '127.0.0.1', epmdPort))!.port;
    // Another host (127.0.0.2, as the kernel sees it) opens handshakes and says nothing, one more than the cap.
    const closed = new Set<Socket>();
    for (let i = 0; i < 5; i++) {
      const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
      s.on('error', () => {});
      s.on('close', () => closed.add(s));
      flood.push(s);
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    }
    // Its fifth pushes out its own oldest: the places go to the newest handshakes of the host holding the most.
    await waitFor('the oldest stalled connection from the flooding host to be dropped', () => closed.has(flood[0]!));
    assert.equal(closed.size, 1);
    await visitor.startDistribution({ name: 'visitor@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    assert.equal(await within('a ping from a node on another address', visitor.ping('besieged@127.0.0.1')), true, logs.join('\n'));
    await waitFor('the flooding host to give up its next oldest handshake', () => closed.has(flood[1]!));
    assert.equal(closed.size, 2);
    assert.deepEqual(
      logs.filter((l) => /maxUnauthenticated/.test(l)).map((l) => l.replace(/:\d+/g, ':PORT')),
      [
        'distribution: dropped the oldest handshake from 127.0.0.2:PORT to make room for 127.0.0.2:PORT: 127.0.0.2 held 4 of the 4 places for connections in their handshake (maxUnauthenticated)',
      ],
    );
  } finally {
    for (const s of flood) s.destroy();
    visitor.shutdown();
    target.shutdown();
    await epmd.close();
  }
});

test('a port mapper port held by something else (garbage, or an endless answer) fails each request at once with a line naming it and the fix: no unbounded buffering, no "name taken" lie', async () => {
  const endless = Buffer.alloc(64 * 1024, 0x41);
  const servers = { garbage: createServer(), endless: createServer() };
  servers.garbage.on('connection', (s) => {
    s.on('error', () => {});
    s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  });
  servers.endless.on('connection', (s) => {
    s.on('error', () => {});
    const pump = (): void => {
      while (!s.destroyed && s.write(endless));
    };
    s.on('drain', pump);
    s.once('data', pump);
  });
  const ports = await Promise.all(Object.values(servers).map((s) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)))));
  const [garbage, flood] = ports as [number, number];
  const node = createNode({ onCrash: () => {} });
  try {
    const foreign = (port: number, req: string): RegExp => new RegExp(`^the port mapper at 127\\.0\\.0\\.1:${port} answered ${req} with something that is not EPMD's protocol \\(first bytes 48 54[ 0-9a-f]*\\); another program may be listening on port ${port}: stop it, or set OTP_EPMD_PORT to the port mapper's port$`);
    // A deadline far beyond the test's: each answer is judged as it comes.
    await within('names() from an endless answer', assert.rejects(names('127.0.0.1', flood, 600_000), new RegExp(`^PortMapperError: the port mapper at 127\\.0\\.0\\.1:${flood} sent more than 1048576 bytes in answer to NAMES, where EPMD's answer is a few lines; another program may be listening on port ${flood}: stop it, or set OTP_EPMD_PORT to the port mapper's port$`)));
    await within('names() from garbage', assert.rejects(names('127.0.0.1', garbage, 600_000), (e: Error) => foreign(garbage, 'NAMES').test(e.message)));
    await within('lookup() from garbage', assert.rejects(lookup('x', '127.0.0.1', garbage, 600_000), (e: Error) => foreign(garbage, 'PORT_PLEASE2').test(e.message)));
    await within('register() with garbage', assert.rejects(register(entry('x', 41002), '127.0.0.1', garbage, 600_000), (e: Error) => foreign(garbage, 'ALIVE2').test(e.message)));
    await within('startDistribution with garbage', assert.rejects(node.startDistribution({ name: 'x@127.0.0.1', cookie: 'sekrit', epmdPort: garbage, log: () => {} }), (e: Error) => foreign(garbage, 'ALIVE2').test(e.message)));
  } finally {
    await node.shutdown();
    for (const s of Object.values(servers)) s.close();
  }
});

test('stalled handshakes from the host a node shares (loopback) cannot lock that node out: at the cap each newcomer pushes out the oldest stalled one, and a real handshake goes through', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const target = createNode({ onCrash: () => {} });
  const visitor = createNode({ onCrash: () => {} });
  const flood: Socket[] = [];
  try {
    await target.startDistribution({ name: 'crowded@127.0.0.1', cookie: 'sekrit', epmdPort, maxUnauthenticated: 4, handshakeTimeoutMs: 60_000, log: () => {} });
    const port = (await lookup('crowded', '127.0.0.1', epmdPort))!.port;
    // Twice the cap of connections from 127.0.0.1 that send half a frame header and then nothing.
    for (let i = 0; i < 8; i++) {
      const s = connect({ host: '127.0.0.1', port });
      s.on('error', () => {});
      flood.push(s);
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      s.write(Buffer.from([0, 0]));
    }
    await visitor.startDistribution({ name: 'neighbour@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    assert.equal(await within('a ping from a node on the flooding address', visitor.ping('crowded@127.0.0.1')), true, String(visitor.dist!.connectFailure('crowded@127.0.0.1')?.message));
  } finally {
    for (const s of flood) s.destroy();
    visitor.shutdown();
    target.shutdown();
    await epmd.close();
  }
});

test('a flood from the host a node shares (20 stalled connections every 10 ms) cannot push out a handshake that has sent its hello: nodes from that host still get in', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const target = createNode({ onCrash: () => {} });
  const visitors = Array.from({ length: 3 }, () => createNode({ onCrash: () => {} }));
  const flood = new Set<Socket>();
  let flooding: NodeJS.Timeout | undefined;
  try {
    await target.startDistribution({ name: 'flooded@127.0.0.1', cookie: 'sekrit', epmdPort, maxUnauthenticated: 4, handshakeTimeoutMs: 60_000, log: () => {} });
    const port = (await lookup('flooded', '127.0.0.1', epmdPort))!.port;
    let opened = 0;
    // Paced by the kernel: no new batch while 100 are still connecting. A loaded machine's target accepts slower than
    // 2,000 a second; unpaced, the flood fills the listen backlog, the kernel drops the guests' SYNs and their retries
    // back off past the handshake deadline: the OS's queue, not the node's admission, would be what kept them out.
    const connecting = new Set<Socket>();
    flooding = setInterval(() => {
      for (let i = 0; i < 20 && connecting.size < 100; i++) {
        const s = connect({ host: '127.0.0.1', port }, () => {
          connecting.delete(s);
          s.write(Buffer.from([0, 0]));
        });
        s.on('error', () => {});
        s.on('close', () => {
          connecting.delete(s);
          flood.delete(s);
        });
        flood.add(s);
        connecting.add(s);
        opened++;
      }
    }, 10);
    await waitFor('the flood to be under way', () => opened >= 200, { ms: 30_000 });
    for (const [i, visitor] of visitors.entries()) {
      // What is asserted is that the guest gets in, not how fast: the flood shares this process's one event loop,
      // which a loaded machine slows past the default 5 s handshake deadline (within() still bounds the ping at 30 s).
      await visitor.startDistribution({ name: `guest${i}@127.0.0.1`, cookie: 'sekrit', epmdPort, handshakeTimeoutMs: 25_000, log: () => {} });
      assert.equal(await within(`a ping from guest${i} during the flood`, visitor.ping('flooded@127.0.0.1')), true, String(visitor.dist!.connectFailure('flooded@127.0.0.1')?.message));
    }
  } finally {
    clearInterval(flooding);
    for (const s of flood) s.destroy();
    for (const v of visitors) v.shutdown();
    target.shutdown();
    await epmd.close();
  }
});

test('at the cap, connections from one address push out their oldest silent one first: one whose peer sent a valid hello stays until none silent is left, and none accepted in this turn of the event loop is pushed out (its hello may not be read yet)', async () => {
  const accepted: Socket[] = [];
  const server = createServer((s) => accepted.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const clients: Socket[] = [];
  // Two check phases: the event loop went through a whole poll phase since, so what a peer sent at once was read.
  const turnsLater = async (): Promise<void> => {
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  try {
    const { port } = server.address() as { port: number };
    for (let i = 0; i < 12; i++) {
      const c = connect({ host: '127.0.0.1', port });
      c.on('error', () => {});
      clients.push(c);
    }
    await waitFor('12 accepted connections', () => accepted.length === 12);
    const lines: string[] = [];
    const admission = new Admission(4, (l) => lines.push(l));
    const [good, ...flood] = accepted as [Socket, ...Socket[]];
    assert.equal(admission.admitSocket(good), true);
    admission.progressed(good);
    for (const s of flood.slice(0, 3)) assert.equal(admission.admitSocket(s), true);
    // A burst in one turn, past the cap of 4: nothing admitted in this turn is pushed out, the newcomer is refused.
    assert.equal(admission.admitSocket(flood[3]!), false);
    assert.deepEqual([good, ...flood.slice(0, 3)].map((s) => s.destroyed), [false, false, false, false]);
    await turnsLater();
    // Three newcomers past the cap: the three oldest silent ones went, the one that sent its hello stays.
    for (const s of flood.slice(4, 7)) assert.equal(admission.admitSocket(s), true);
    assert.equal(good.destroyed, false);
    assert.deepEqual(flood.slice(0, 3).map((s) => s.destroyed), [true, true, true]);
    // The silent ones left were accepted in this turn: they may yet speak, so neither they nor the hello make room.
    assert.equal(admission.admitSocket(flood[7]!), false);
    assert.equal(good.destroyed, false);
    await turnsLater();
    assert.equal(admission.admitSocket(flood[8]!), true);
    assert.deepEqual([good.destroyed, flood[4]!.destroyed], [false, true]);
    // With no silent one left from its address, it is pushed out like any other (a flood of hellos still cannot lock anyone out).
    const single = new Admission(1, (l) => lines.push(l));
    assert.equal(single.admitSocket(flood[9]!), true);
    single.progressed(flood[9]!);
    await turnsLater();
    assert.equal(single.admitSocket(flood[10]!), true);
    assert.equal(flood[9]!.destroyed, true);
  } finally {
    for (const c of clients) c.destroy();
    for (const s of accepted) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a node that accepts the connection and never finishes its handshake (a stopped node) suspends a busy sender past busyLimit, as a busy connection does, instead of queueing without bound; the sender resumes when the attempt fails', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const held: Socket[] = [];
  let refuse = false;
  const silent = createServer((s) => (refuse ? s.destroy() : held.push(s)));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  const registration = await register(entry('stalled', (silent.address() as { port: number }).port), '127.0.0.1', epmdPort);
  const node = createNode({ onCrash: () => {} });
  try {
    await node.startDistribution({ name: 'sender@127.0.0.1', cookie: 'sekrit', epmdPort, busyLimit: 1024 * 1024, handshakeTimeoutMs: 60_000, log: () => {} });
    await node.run(async (ctx) => {
      const me = ctx.self();
      let sent = 0;
      // 100 messages of 100 kB (10 MB) for a node whose connection never comes up: at most about busyLimit waits.
      ctx.spawn(async (c) => {
        const big = Buffer.alloc(100_000, 1);
        for (let i = 0; i < 100; i++) {
          c.send({ name: 'inbox', node: 'stalled@127.0.0.1' }, big);
          sent++;
          await c.receive(null, 0);
        }
        c.send(me, 'all sent');
      });
      await waitFor('the dial to reach the stalled node', () => held.length > 0);
      assert.equal(typeof (await ctx.receive((m) => m === 'all sent', 2000)), 'symbol', `the sender went on queueing while connecting: ${sent} of 100 sent`);
      assert.ok(sent <= 12, `${sent} messages queued, over busyLimit`);
      // The attempt fails (and so do the next): the queued messages are dropped and the sender resumes.
      refuse = true;
      for (const s of held) s.destroy();
      assert.equal(await ctx.receive((m) => m === 'all sent', 30_000), 'all sent');
    });
  } finally {
    node.shutdown();
    registration.close();
    for (const s of held) s.destroy();
    silent.close();
    await epmd.close();
  }
});

test('a node named after a host that does not resolve, or an address this host does not have, fails its start with one sentence naming the host and the fix', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  try {
    for (const [host, why] of [
      ['nohost.invalid', /which does not resolve to an address \((ENOTFOUND|EAI_AGAIN|EAI_FAIL)\)/],
      ['192.0.2.1', /which is not an address of this host \(EADDRNOTAVAIL\)/],
      ['127.0.0.1:80', /which does not resolve to an address \((ENOTFOUND|EAI_AGAIN|EAI_FAIL)\)/],
    ] as const) {
      const node = createNode({ onCrash: () => {} });
      const error = await node.startDistribution({ name: `shop@${host}`, cookie: 'sekrit', epmdPort, log: () => {} }).then(() => undefined, (e: unknown) => e as Error);
      node.shutdown();
      assert.ok(error instanceof Error, `shop@${host} started`);
      const escaped = host.replace(/[.:]/g, (c) => `\\${c}`);
      assert.match(error.message, new RegExp(`^distribution: node shop@${escaped} cannot listen on the host its name gives, '${escaped}', `));
      assert.match(error.message, why);
      assert.match(error.message, /: name the node after this host, e\.g\. shop@127\.0\.0\.1 \(reached from this host only\), or shop@<a name or address of this host>$/);
    }
    assert.deepEqual(epmd.names(), [], 'nothing registered');
  } finally {
    await epmd.close();
  }
});

test("a burst of connects to a node's distribution port while the node is busy (its process stopped) is queued by the kernel past Node's default backlog of 511, not dropped; the node then answers a ping", { timeout: 120_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const peerScript = fileURLToPath(new URL('./fixtures/peer-node.ts', import.meta.url));
  const peer = spawn(process.execPath, [...process.execArgv, peerScript, 'burst@127.0.0.1', 'sekrit', String(epmdPort)], { stdio: ['ignore', 'ignore', 'ignore'] });
  const node = createNode({ onCrash: () => {} });
  const burst: Socket[] = [];
  try {
    await waitFor('the peer to register', async () => (await lookup('burst', '127.0.0.1', epmdPort)) !== undefined, { ms: 60_000 });
    const port = (await lookup('burst', '127.0.0.1', epmdPort))!.port;
    let max = 4096;
    try {
      max = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
    } catch {
      // Not Linux: a burst Node's default backlog (511) cannot queue.
    }
    const n = Math.max(2, Math.min(1500, max));
    peer.kill('SIGSTOP');
    let connected = 0;
    for (let i = 0; i < n; i++) {
      const s = connect({ host: '127.0.0.1', port }, () => connected++);
      s.on('error', () => {});
      burst.push(s);
    }
    await waitFor(`all ${n} connects of the burst queued by the kernel`, () => connected === n, { ms: 15_000 });
    peer.kill('SIGCONT');
    for (const s of burst) s.destroy();
    await node.startDistribution({ name: 'asker@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    await waitFor('the peer to answer a ping', () => node.ping('burst@127.0.0.1'), { ms: 60_000 });
  } finally {
    for (const s of burst) s.destroy();
    peer.kill('SIGCONT');
    peer.kill('SIGKILL');
    await node.shutdown();
    await epmd.close();
  }
});
