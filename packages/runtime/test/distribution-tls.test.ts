import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNode, genServer, ok, reply, isDown, type Down, type OtpNode, type Pid } from '@otp-ts/runtime';
import { parseNodeArgs, EpmdServer, portMapperLookup } from '@otp-ts/runtime/tools';
import { connect, createServer, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { logWindows, waitFor } from '../../../test/support/wait.ts';

// The test needs openssl to make X.509 certificates (node:crypto cannot sign them): fail loudly without it.
function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA and the certificates of nodes it signs, in `dir`: `<ca>.pem`, `<node>.pem`, `<node>.key`. */
function makeCa(dir: string, ca: string, nodes: string[]): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=${ca}`], dir);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n');
  for (const n of nodes) {
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/CN=${n}`], dir);
    openssl(['x509', '-req', '-in', `${n}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', `${n}.pem`], dir);
  }
}

interface Pki {
  dir: string;
  /** TLS files of a node: its certificate and key, trusting `ca`. */
  tls(node: string, ca?: string): { cert: string; key: string; ca: string };
}

function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'otp-tls-'));
  makeCa(dir, 'ca', ['a', 'b']);
  makeCa(dir, 'other-ca', ['rogue']);
  return { dir, tls: (node, ca = 'ca') => ({ cert: join(dir, `${node}.pem`), key: join(dir, `${node}.key`), ca: join(dir, `${ca}.pem`) }) };
}

async function withNodes(body: (start: (name: string, tls?: { cert: string; key: string; ca: string }) => Promise<{ node: OtpNode; logs: string[] }>, pki: Pki) => Promise<void>): Promise<void> {
  const pki = makePki();
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const nodes: OtpNode[] = [];
  try {
    await body(async (name, tls) => {
      const logs: string[] = [];
      const node = createNode({ onCrash: () => {} });
      await node.startDistribution({ name: `${name}@127.0.0.1`, cookie: 'tls-cookie', epmdPort, tickTime: 4000, log: (l) => logs.push(l), ...(tls ? { tls } : {}) });
      nodes.push(node);
      return { node, logs };
    }, pki);
  } finally {
    for (const n of nodes) n.shutdown();
    await epmd.close();
    rmSync(pki.dir, { recursive: true, force: true });
  }
}

// The shared wait (test/support/wait.ts) under this file's name and argument order.
const until = (what: string, check: () => boolean, ms = 30_000): Promise<unknown> => waitFor(what, check, { ms });

const counter = { init: () => ok(0), handleCall: (_req: 'inc', _from: unknown, n: number) => reply(n + 1, n + 1) };

test('openssl is installed (the TLS tests make their certificates with it)', () => {
  assert.doesNotThrow(() => execFileSync('openssl', ['version']), 'install openssl: the TLS distribution tests need it to make certificates');
});

test('two TLS nodes send, call and monitor each other; the connection is TLS with the peer certificate checked', async () => {
  await withNodes(async (start, pki) => {
    const { node: a, logs: aLogs } = await start('a', pki.tls('a'));
    const { node: b, logs: bLogs } = await start('b', pki.tls('b'));
    const server = await b.run((ctx) => genServer.start(ctx, counter, undefined));
    b.register('counter', server);
    const echo = b.spawn(async (ctx) => {
      for (;;) {
        const m = (await ctx.receive()) as { from: Pid; msg: unknown };
        if (m.msg === 'stop') return;
        ctx.send(m.from, { echo: m.msg, by: ctx.self() });
      }
    });
    b.register('echo', echo);
    assert.equal(await a.ping('b@127.0.0.1'), true);
    const socket = a.dist!.connectionTo('b@127.0.0.1')!.socket as TLSSocket;
    assert.equal(socket.encrypted, true);
    assert.equal(socket.authorized, true);
    assert.equal(socket.getPeerCertificate().subject.CN, 'b');
    await a.run(async (ctx) => {
      assert.equal(await genServer.call(ctx, { name: 'counter', node: 'b@127.0.0.1' }, 'inc'), 1);
      assert.equal(await genServer.call(ctx, { name: 'counter', node: 'b@127.0.0.1' }, 'inc'), 2);
      ctx.send({ name: 'echo', node: 'b@127.0.0.1' }, { from: ctx.self(), msg: 'hello over TLS' });
      const first = (await ctx.receive(null, 5000)) as { echo: string; by: Pid };
      assert.equal(first.echo, 'hello over TLS');
      ctx.send(first.by, { from: ctx.self(), msg: { big: 'x'.repeat(100_000) } });
      assert.equal(((await ctx.receive(null, 5000)) as { echo: { big: string } }).echo.big.length, 100_000);
      const ref = ctx.monitor(first.by);
      ctx.send(first.by, { from: ctx.self(), msg: 'stop' });
      const down = (await ctx.receive((m) => isDown(m, ref), 5000)) as Down;
      assert.equal(down.reason, 'normal');
    });
    assert.deepEqual(a.nodes(), ['b@127.0.0.1']);
    assert.deepEqual(b.nodes(), ['a@127.0.0.1']);
    assert.deepEqual(aLogs, []);
    assert.deepEqual(bLogs, []);
  });
});

test('a node whose certificate another CA signed is refused both ways, and the refusing node logs it', async () => {
  await withNodes(async (start, pki) => {
    const { node: a, logs: aLogs } = await start('a', pki.tls('a'));
    // The rogue trusts the cluster's CA, but its own certificate is signed by another one.
    const { node: rogue, logs: rogueLogs } = await start('rogue', pki.tls('rogue'));
    assert.equal(await rogue.ping('a@127.0.0.1'), false);
    await until('a logs the refusal', () => aLogs.some((l) => /refused a TLS connection from 127\.0\.0\.1:\d+: its certificate is not signed by this node's CA \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); both nodes need certificates signed by the same --ssl-ca$/.test(l)));
    await until('the rogue logs the refusal', () => rogueLogs.some((l) => /a@127\.0\.0\.1 closed the TLS connection before the handshake: it did not accept this node's certificate/.test(l)));
    assert.equal(await a.ping('rogue@127.0.0.1'), false);
    await until('a logs that the rogue certificate is not trusted', () => aLogs.some((l) => /TLS connection to rogue@127\.0\.0\.1 failed: its certificate is not signed by this node's CA/.test(l)));
    await until('the rogue logs that a hung up', () => rogueLogs.some((l) => /refused a TLS connection from 127\.0\.0\.1:\d+: it closed the connection during the TLS handshake/.test(l)));
    assert.equal(aLogs.length, 2, aLogs.join('\n'));
    assert.equal(rogueLogs.length, 2, rogueLogs.join('\n'));
    assert.deepEqual(a.nodes(), []);
    assert.deepEqual(rogue.nodes(), []);
  });
});

test('a plain node and a TLS node refuse each other with one clear line on each side', async () => {
  await withNodes(async (start, pki) => {
    const { node: a, logs: aLogs } = await start('a', pki.tls('a'));
    const { node: plain, logs: plainLogs } = await start('plain');
    assert.equal(await plain.ping('a@127.0.0.1'), false);
    await until('a logs it', () => aLogs.length === 1);
    assert.match(aLogs[0]!, /^distribution: connection from 127\.0\.0\.1:\d+ refused: it does not speak TLS; start both nodes with the same --proto$/);
    await until('the plain node logs it', () => plainLogs.length === 1);
    assert.match(plainLogs[0]!, /^distribution: a@127\.0\.0\.1 \(127\.0\.0\.1:\d+\) refused this node's connection: it speaks TLS and this node does not; start both nodes with the same --proto$/);

    assert.equal(await a.ping('plain@127.0.0.1'), false);
    await until('the plain node logs the TLS dialer', () => plainLogs.length === 2);
    assert.match(plainLogs[1]!, /^distribution: connection from 127\.0\.0\.1:\d+ refused: it speaks TLS and this node does not; start both nodes with the same --proto$/);
    await until('a logs the plain listener', () => aLogs.length === 2);
    assert.match(aLogs[1]!, /^distribution: TLS connection to plain@127\.0\.0\.1 failed: .*start both nodes with the same --proto/);
    // The same, as data for tools: both sides know it is a protocol mismatch.
    assert.equal(plain.dist!.connectFailure('a@127.0.0.1')?.reason, 'tls-mismatch');
    assert.equal(a.dist!.connectFailure('plain@127.0.0.1')?.reason, 'tls-mismatch');
    assert.deepEqual(a.nodes(), []);
    assert.deepEqual(plain.nodes(), []);
  });
});

test('an HTTP request sent to a TLS node is logged as an HTTP request, as a plain node logs it, not as a node without TLS', async () => {
  const pki = makePki();
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const logs: string[] = [];
  const a = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'tls-cookie', epmdPort, log: (l) => logs.push(l), tls: pki.tls('a') });
    const { port } = (await portMapperLookup('a', '127.0.0.1', epmdPort))!;
    const s = connect({ host: '127.0.0.1', port }, () => s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    s.on('error', () => {});
    s.resume();
    await until('a logs it', () => logs.length === 1);
    s.destroy();
    assert.match(logs[0]!, /^distribution: connection from 127\.0\.0\.1:\d+ refused: it does not speak TLS: it sent an HTTP request$/);
  } finally {
    a.shutdown();
    await epmd.close();
    rmSync(pki.dir, { recursive: true, force: true });
  }
});

test('node.args: --proto tls with --ssl-cert, --ssl-key and --ssl-ca', () => {
  const args = parseNodeArgs('--name a@127.0.0.1 --setcookie c --proto tls --ssl-cert /etc/a.pem --ssl-key /etc/a.key --ssl-ca=/etc/ca.pem', {}, 'node.args');
  assert.deepEqual(args.tls, { cert: '/etc/a.pem', key: '/etc/a.key', ca: '/etc/ca.pem' });
  assert.deepEqual(args.nodeFlags, []);
  assert.equal(parseNodeArgs('--name a@127.0.0.1', {}, 'node.args').tls, undefined);
  assert.throws(() => parseNodeArgs('--proto tls --ssl-cert a.pem', {}, 'node.args'), /--proto tls needs --ssl-key FILE, --ssl-ca FILE/);
  assert.throws(() => parseNodeArgs('--ssl-cert a.pem', {}, 'node.args'), /take effect only with --proto tls/);
  assert.throws(() => parseNodeArgs('--proto quic', {}, 'node.args'), /--proto quic is not a protocol/);
});

test('a missing certificate file stops startDistribution with a sentence naming it', async () => {
  await withNodes(async (start, pki) => {
    await assert.rejects(start('a', { ...pki.tls('a'), key: join(pki.dir, 'nope.key') }), /cannot read the TLS key .*nope\.key \(ENOENT\): check --ssl-key/);
  });
});

test('a certificate, key or CA file that holds none, or a key that is not the certificate\'s, stops startDistribution with a sentence naming the file and the flag; the name stays free', async () => {
  await withNodes(async (start, pki) => {
    const junk = join(pki.dir, 'junk.pem');
    writeFileSync(junk, 'not a PEM file\n');
    const cases: Array<[Partial<{ cert: string; key: string; ca: string }>, RegExp]> = [
      [{ key: join(pki.dir, 'b.key') }, /^distribution: the TLS key .*b\.key is not the key of the certificate .*a\.pem: give --ssl-key the key the certificate was made with$/],
      [{ cert: junk }, /^distribution: the TLS cert .*junk\.pem holds no PEM certificate \(\w+\): check --ssl-cert$/],
      [{ cert: join(pki.dir, 'a.key') }, /^distribution: the TLS cert .*a\.key holds no PEM certificate \(\w+\): check --ssl-cert$/],
      [{ key: junk }, /^distribution: the TLS key .*junk\.pem holds no private key \(PEM, without a passphrase\) \(\w+\): check --ssl-key$/],
      [{ ca: junk }, /^distribution: the TLS ca .*junk\.pem holds no PEM certificate \(\w+\): check --ssl-ca$/],
    ];
    for (const [files, message] of cases) await assert.rejects(start('a', { ...pki.tls('a'), ...files }), (e: Error) => message.test(e.message), JSON.stringify(files));
    const { node } = await start('a', pki.tls('a'));
    assert.equal(node.name, 'a@127.0.0.1');
  });
});

test('a TLS refusal names the real cause: an expired certificate, one made for the wrong purpose', async () => {
  await withNodes(async (start, pki) => {
    // Signed by the cluster's CA, but expired (its validity ends before it begins), or for TLS clients only.
    const sign = (name: string, days: string, usage: string): void => {
      writeFileSync(join(pki.dir, `${name}.cnf`), `subjectAltName=IP:127.0.0.1\nextendedKeyUsage=${usage}\n`);
      openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], pki.dir);
      openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', days, '-extfile', `${name}.cnf`, '-out', `${name}.pem`], pki.dir);
    };
    sign('stale', '-1', 'serverAuth,clientAuth');
    sign('clientonly', '2', 'clientAuth');
    const { node: a, logs } = await start('a', pki.tls('a'));
    await start('stale', pki.tls('stale'));
    await start('clientonly', pki.tls('clientonly'));
    assert.equal(await a.ping('stale@127.0.0.1'), false);
    assert.match(a.dist!.connectFailure('stale@127.0.0.1')!.message, /TLS connection to stale@127\.0\.0\.1 failed: its certificate has expired \(CERT_HAS_EXPIRED\)/);
    assert.equal(await a.ping('clientonly@127.0.0.1'), false);
    assert.match(a.dist!.connectFailure('clientonly@127.0.0.1')!.message, /TLS connection to clientonly@127\.0\.0\.1 failed: its certificate is not made for this purpose/);
    assert.ok(logs.every((l) => !/not signed by this node's CA/.test(l)), logs.join('\n'));
  });
});

test('a flood of plain connections sending garbage to a TLS node logs a bounded number of lines a second, sums up the rest, and a TLS node still gets in', async () => {
  const pki = makePki();
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const logs: string[] = [];
  const times: number[] = [];
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  const flood: Socket[] = [];
  try {
    const log = (l: string): void => {
      logs.push(l);
      times.push(Date.now());
    };
    await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'tls-cookie', epmdPort, log, tls: pki.tls('a') });
    await b.startDistribution({ name: 'b@127.0.0.1', cookie: 'tls-cookie', epmdPort, log: () => {}, tls: pki.tls('b') });
    const { port } = (await portMapperLookup('a', '127.0.0.1', epmdPort))!;
    const count = 100;
    let closed = 0;
    for (let i = 0; i < count; i++) {
      const s = connect({ host: '127.0.0.1', port }, () => s.write('GET / HTTP/1.1\r\n\r\n'));
      s.on('error', () => {});
      s.resume();
      s.on('close', () => closed++);
      flood.push(s);
    }
    await until('the node to close every plain connection', () => closed === count);
    const lines = (): string[] => logs.filter((l) => /does not speak TLS|more incoming handshakes failed or were refused/.test(l));
    const counted = (): number => lines().reduce((n, l) => n + Number(/^distribution: (\d+) more incoming handshakes/.exec(l)?.[1] ?? 1), 0);
    await until('every refused connection counted in the lines', () => counted() === count);
    // At most 10 lines and one summing line a second, in the seconds the flood's lines spread over (one on an idle machine).
    const windows = logWindows(logs.flatMap((l, i) => (/does not speak TLS/.test(l) ? [times[i]!] : [])));
    assert.ok(lines().filter((l) => /does not speak TLS/.test(l)).length <= 10 * windows, `${lines().length} lines for ${count} connections in ${windows} windows`);
    assert.ok(lines().filter((l) => !/does not speak TLS/.test(l)).length <= windows, `${lines().length} lines for ${count} connections in ${windows} windows`);
    assert.equal(await b.ping('a@127.0.0.1'), true);
  } finally {
    for (const s of flood) s.destroy();
    a.shutdown();
    b.shutdown();
    await epmd.close();
    rmSync(pki.dir, { recursive: true, force: true });
  }
});

test('a client that dribbles its TLS handshake a byte at a time is closed at the handshake deadline with one line, not held open for as long as it keeps sending', async () => {
  await withNodes(async (start, pki) => {
    const { node: a, logs } = await start('a', pki.tls('a'));
    const port = (await portMapperLookup('a', '127.0.0.1', Number(a.dist!.epmdPort)))!.port;
    // A real ClientHello, captured from a TLS client that dials a plain server.
    const hello = await new Promise<Buffer>((resolve) => {
      const capture = createServer((s) => s.once('data', (d: Buffer) => {
        s.destroy();
        capture.close();
        resolve(d);
      }));
      capture.listen(0, '127.0.0.1', () => tlsConnect({ port: (capture.address() as { port: number }).port, host: '127.0.0.1', rejectUnauthorized: false }).on('error', () => {}));
    });
    const slow = connect({ host: '127.0.0.1', port });
    let closed = false;
    slow.on('error', () => {});
    slow.on('close', () => (closed = true));
    let sent = 0;
    const drip = setInterval(() => {
      if (sent < hello.length - 1 && !slow.destroyed) slow.write(hello.subarray(sent, ++sent));
    }, 200);
    try {
      await until('a to close the dribbling connection', () => closed, 15_000);
      assert.ok(sent < hello.length - 1, 'closed before the whole ClientHello arrived');
      assert.ok(logs.some((l) => /refused a TLS connection from 127\.0\.0\.1:\d+: .*TLS_HANDSHAKE_TIMEOUT/.test(l)), logs.join('\n'));
    } finally {
      clearInterval(drip);
      slow.destroy();
    }
  });
});

test('a plain client refused by a TLS node that never closes its side (half-open) is closed by the node, not held with its place among unauthenticated connections', async () => {
  await withNodes(async (start, pki) => {
    const { node: a, logs } = await start('a', pki.tls('a'));
    const port = (await portMapperLookup('a', '127.0.0.1', Number(a.dist!.epmdPort)))!.port;
    const raw = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let gone = false;
    raw.on('error', () => (gone = true));
    raw.on('close', () => (gone = true));
    raw.on('data', () => {});
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
    raw.write(Buffer.from([0, 0, 0, 2, 0x7b, 0x7d]));
    await until('the refusal line', () => logs.some((l) => /refused: it does not speak TLS/.test(l)));
    // It keeps writing: once the node closed the socket, a write gets the connection reset.
    const poke = setInterval(() => void (raw.destroyed || raw.write('x')), 200);
    try {
      await until('the node to close the connection', () => gone, 10_000);
    } finally {
      clearInterval(poke);
      raw.destroy();
    }
  });
});

test('a TLS client that presents no certificate (TLS 1.3 or 1.2) is refused with a line saying so, not that its certificate is untrusted; the node keeps serving', async () => {
  await withNodes(async (start, pki) => {
    const { node: a, logs } = await start('a', pki.tls('a'));
    await start('b', pki.tls('b'));
    const port = (await portMapperLookup('a', '127.0.0.1', Number(a.dist!.epmdPort)))!.port;
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      // It trusts a's CA, but has no certificate of its own to show.
      const s = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(pki.tls('a').ca), maxVersion, rejectUnauthorized: true });
      let closed = false;
      s.on('error', () => {});
      s.on('close', () => (closed = true));
      s.on('secureConnect', () => s.write(Buffer.from([0, 0, 0, 2, 0x7b, 0x7d])));
      await until(`a to close the ${maxVersion} client without a certificate`, () => closed, 15_000);
    }
    const refusals = (): string[] => logs.filter((l) => /refused a TLS connection from 127\.0\.0\.1:\d+: /.test(l));
    await until('a line for each client', () => refusals().length >= 2);
    for (const line of refusals()) assert.match(line, /^distribution: refused a TLS connection from 127\.0\.0\.1:\d+: it presented no certificate \(ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE\); a node dialling this one needs a certificate \(--ssl-cert, --ssl-key\) signed by this node's --ssl-ca$/);
    assert.equal(await a.ping('b@127.0.0.1'), true);
  });
});
