// The distribution port attacked from outside with plain TCP clients on loopback: relays, cookie oracles,
// memory before authentication, stalled handshakes, fuzzed handshake frames and simultaneous connects.
// Every node under attack is a real OS process (fixtures/security-peer.ts); waits poll with deadlines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { serialize } from 'node:v8';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
// Everything from src/, as the codec below (no entry's): otp test bundles relative imports as one copy, apart from
// the entry's, and a Pid of another copy is no Pid to the codec (test/layers.test.ts refuses the mix).
import { createNode } from '../src/index.ts';
import { Pid, Ref } from '../src/pid.ts';
import { EpmdServer } from '../src/tools.ts';
import { lookup, register } from '../src/distribution/epmd-client.ts';
import { decodeControl, encodeControl, type PidTranslator } from '../src/distribution/codec.ts';
import { isNodeName } from '../src/distribution/handshake.ts';
import { CallMessage, CastMessage, From, ReplyMessage, SystemMessage } from '../src/gen/messages.ts';
import type { Down } from '../src/messages.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { dialRaw, frame, json, proofOf, type Raw } from './support/raw-peer.ts';

const peerScript = fileURLToPath(new URL('./fixtures/security-peer.ts', import.meta.url));
const MiB = 1024 * 1024;

// The shared wait (test/support/wait.ts) under this file's name and argument order.
const until = (what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<unknown> => waitFor(what, check, { ms });

interface Peer {
  name: string;
  child: ChildProcess;
  stderr(): string;
  lines: Record<string, unknown>[];
  /** Sends a command and resolves with its answer. */
  ask(cmd: string, fields?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Sends a command without waiting for the answer. */
  tell(cmd: string, fields?: Record<string, unknown>): void;
  alive(): boolean;
}

let nextId = 1;
function startPeer(options: Record<string, unknown> & { name: string; epmdPort: number }): Promise<Peer> {
  const child = spawn(process.execPath, ['--expose-gc', ...process.execArgv, peerScript, JSON.stringify({ cookie: 'sekrit', ...options })], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  let exited = false;
  const lines: Record<string, unknown>[] = [];
  const waiting = new Map<number, (v: Record<string, unknown>) => void>();
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  child.once('exit', () => (exited = true));
  const peer: Peer = {
    name: options.name,
    child,
    stderr: () => err,
    lines,
    alive: () => !exited,
    tell(cmd, fields = {}) {
      child.stdin!.write(`${JSON.stringify({ cmd, id: 0, ...fields })}\n`);
    },
    ask(cmd, fields = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, resolve);
        child.stdin!.write(`${JSON.stringify({ cmd, id, ...fields })}\n`);
        child.once('exit', () => reject(new Error(`${options.name} exited before answering ${cmd}: ${err}`)));
      });
    },
  };
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const v = JSON.parse(out.slice(0, nl)) as Record<string, unknown>;
        out = out.slice(nl + 1);
        lines.push(v);
        if (v.ready) resolve(peer);
        if (typeof v.id === 'number' && waiting.has(v.id)) {
          waiting.get(v.id)!(v);
          waiting.delete(v.id);
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`${options.name} exited with ${code}: ${err}`)));
  });
}

async function withEpmd(body: (epmdPort: number, peers: Peer[]) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const peers: Peer[] = [];
  try {
    await body(epmdPort, peers);
  } finally {
    for (const p of peers) p.child.kill('SIGKILL');
    await epmd.close();
  }
}

const hex32 = (): string => randomBytes(32).toString('hex');
const hello = (name: string, challenge = hex32()) => ({ t: 'hello', v: 3, vmin: 2, name, hidden: true, challenge, tick: 60_000, flags: [] });

async function portOf(name: string, epmdPort: number): Promise<number> {
  const entry = await lookup(name.split('@')[0]!, '127.0.0.1', epmdPort);
  assert.ok(entry, `${name} is registered`);
  return entry.port;
}

let lastTicket = '';

/** Shakes hands honestly as `name` with the cookie; the raw connection, authenticated. */
async function authenticate(port: number, name: string, cookie: string, listener: string, tick = 60_000, alive?: boolean): Promise<Raw> {
  const raw = await dialRaw(port);
  const mine = hex32();
  raw.send({ ...hello(name, mine), v: 3, vmin: 3, tick, ...(alive !== undefined && { alive: true }) });
  const ch = json(await raw.next());
  assert.equal(ch.t, 'challenge', JSON.stringify(ch));
  raw.send({ t: 'proof', digest: proofOf(cookie, 'dialler', name, listener, String(ch.challenge), mine) });
  let answer = json(await raw.next());
  // A listener that still holds a connection to this name asks whether to replace it: `alive` says.
  if (alive !== undefined && answer.t === 'alive') {
    raw.send({ t: 'alive', replace: alive });
    answer = json(await raw.next());
  }
  assert.deepEqual({ ...answer, next: undefined }, { t: 'proof', digest: proofOf(cookie, 'listener', name, listener, String(ch.challenge), mine), next: undefined });
  assert.match(String(answer.next), /^[0-9a-f]{64}$/, 'a one-time challenge for the next connection');
  lastTicket = String(answer.next);
  return raw;
}

// Pids as a client of the wire sees them: index 0 is the client's own node, any other a named third node.
function translator(self: string, others: string[] = []): PidTranslator {
  const names = [self, 'peer-unused', ...others];
  return { nameOf: (i) => names[i]!, indexOf: (n) => names.indexOf(n) };
}

test('a hello relayed to another node of the cluster (a live tool node) gets no proof: the node refuses the relay, logs it and counts it', async () => {
  await withEpmd(async (epmdPort, peers) => {
    const victim = await startPeer({ name: 'victim@127.0.0.1', epmdPort });
    const helper = await startPeer({ name: 'helper@127.0.0.1', epmdPort, hidden: true });
    peers.push(victim, helper);
    // Claim to be the helper towards the victim, and hand the victim's challenge to the helper's own listener.
    const toVictim = await dialRaw(await portOf(victim.name, epmdPort));
    toVictim.send({ ...hello('helper@127.0.0.1'), hidden: false, flags: ['rpc'] });
    const fromVictim = json(await toVictim.next());
    const toHelper = await dialRaw(await portOf(helper.name, epmdPort));
    toHelper.send(hello('relay@127.0.0.1', String(fromVictim.challenge)));
    const fromHelper = json(await toHelper.next());
    // Whatever digest the helper gave away (version 2 gave exactly the one the victim wanted), passed on.
    const digest = typeof fromHelper.digest === 'string' ? fromHelper.digest : '00'.repeat(32);
    toVictim.send(fromVictim.t === 'welcome' ? { t: 'ack', digest } : { t: 'proof', digest });
    // The bait: the victim's echo answers a process of "helper", over this very connection if it was let in.
    toVictim.send(encodeControl(['reg_send', 'echo', { from: new Pid(0, 4242, 0), msg: 'let in' }], translator('helper@127.0.0.1'), 1));
    await until('the victim answered or closed the relayed connection', () => toVictim.closed || toVictim.frames.length > 1);
    // A JSON handshake frame, or a control frame (the echo answering: the relay was let in).
    const after = toVictim.frames.slice(1).map((f) => (f[0] === 0x7b ? json(f) : { controlFrame: f.toString('hex') }));
    assert.deepEqual(after, [{ t: 'refused', reason: 'cookie' }], 'the relay got no further than a refusal');
    await until('the victim closed the relayed connection', () => toVictim.closed);
    await until('the victim logged the refusal', () => /refused a peer claiming to be helper@127\.0\.0\.1 \(127\.0\.0\.1:\d+\): it did not prove the cookie/.test(victim.stderr()));
    const report = await victim.ask('refusals');
    assert.ok((report.count as number) >= 1);
    assert.ok((report.recent as Record<string, unknown>[]).some((r) => r.by === 'this node' && r.direction === 'incoming' && r.peer === 'helper@127.0.0.1' && r.reason === 'wrong cookie' && /^127\.0\.0\.1:\d+$/.test(String(r.address))));
    toHelper.socket.destroy();
    // The victim still serves its cluster.
    assert.equal((await helper.ask('ping', { node: victim.name })).pong, true);
  });
});

test('before the dialler proved the cookie, nothing the listener sends depends on the cookie: only a fresh random challenge', async () => {
  await withEpmd(async (epmdPort) => {
    const seen: Record<string, unknown>[][] = [];
    for (const cookie of ['cookie-one', 'cookie-two']) {
      const oracle = await startPeer({ name: 'oracle@127.0.0.1', cookie, epmdPort });
      try {
        const answers: Record<string, unknown>[] = [];
        for (let i = 0; i < 2; i++) {
          // The same hello, with a challenge the client chose, every time.
          const raw = await dialRaw(await portOf(oracle.name, epmdPort));
          raw.send(hello('guesser@127.0.0.1', 'ab'.repeat(32)));
          answers.push(json(await raw.next()));
          raw.send({ t: 'proof', digest: '00'.repeat(32) });
          answers.push(json(await raw.next()));
          raw.socket.destroy();
        }
        seen.push(answers);
      } finally {
        oracle.child.kill('SIGKILL');
        await until('the oracle is gone', async () => (await lookup('oracle', '127.0.0.1', epmdPort)) === undefined);
      }
    }
    const challenges = seen.flatMap((answers) => [answers[0]!.challenge, answers[2]!.challenge]);
    for (const c of challenges) assert.match(String(c), /^[0-9a-f]{64}$/);
    assert.equal(new Set(challenges).size, 4, 'every challenge is fresh');
    // The creation, too, is random (drawn at each start of the node), nothing derived from the cookie.
    for (const answers of seen) assert.equal(typeof answers[0]!.creation, 'number');
    const withoutChallenge = seen.map((answers) => answers.map(({ challenge: _c, creation: _n, ...rest }) => rest));
    assert.deepEqual(withoutChallenge[0], withoutChallenge[1], 'what an unauthenticated client receives is the same under either cookie');
    assert.deepEqual(withoutChallenge[0]![1], { t: 'refused', reason: 'cookie' });
    assert.equal(withoutChallenge[0]![0]!.t, 'challenge');
  });
});

test('eight and more parallel oversized frames before authentication are refused at their header: memory stays bounded and is returned', async () => {
  await withEpmd(async (epmdPort, peers) => {
    const target = await startPeer({ name: 'mem@127.0.0.1', epmdPort });
    peers.push(target);
    const port = await portOf(target.name, epmdPort);
    const before = (await target.ask('rss')).rss as number;
    const chunk = Buffer.alloc(MiB, 0x61);
    const flood = async (): Promise<number> => {
      const raw = await dialRaw(port);
      const head = Buffer.alloc(4);
      head.writeUInt32BE(60 * MiB);
      raw.socket.write(head);
      let sent = 0;
      while (sent < 60 && !raw.closed) {
        if (!raw.socket.write(chunk)) await new Promise<void>((r) => (raw.closed ? r() : (raw.socket.once('drain', r), raw.socket.once('close', r))));
        sent++;
      }
      await until('the node closed the flooding connection', () => raw.closed, 30_000);
      return sent;
    };
    await Promise.all(Array.from({ length: 10 }, flood));
    const after = await target.ask('rss');
    const grew = ((after.peak as number) - before) / MiB;
    const kept = ((after.rss as number) - before) / MiB;
    assert.ok(grew < 100, `the node's RSS rose by ${grew.toFixed(0)} MiB while ten 60 MiB frames were offered`);
    assert.ok(kept < 50, `the node still holds ${kept.toFixed(0)} MiB after the connections closed`);
    await until('ten lines about the oversized frames', () => (target.stderr().match(/over the 4096-byte limit before authentication/g)?.length ?? 0) >= 10);
    assert.equal((await target.ask('ping', { node: 'nobody@127.0.0.1' })).pong, false, 'the node still answers');
  });
});

test('a flood of stalled handshakes logs a bounded number of lines a second and sums up the rest; every one is counted', async () => {
  await withEpmd(async (epmdPort, peers) => {
    const target = await startPeer({ name: 'flooded@127.0.0.1', epmdPort, handshakeTimeoutMs: 300 });
    peers.push(target);
    const port = await portOf(target.name, epmdPort);
    const flood = 40;
    const raws = await Promise.all(Array.from({ length: flood }, () => dialRaw(port)));
    for (const raw of raws) raw.socket.write(Buffer.from([0, 0]));
    for (const raw of raws) await until('the node closed every stalled connection', () => raw.closed);
    const lines = () => target.stderr().match(/during the handshake: the handshake did not finish within 300 ms/g)?.length ?? 0;
    const summed = () => [...target.stderr().matchAll(/distribution: (\d+) more incoming handshakes failed or were refused in that second, not logged one by one/g)].reduce((n, m) => n + Number(m[1]), 0);
    // Each failure is either its own line or counted in a summing-up line, once its second ended.
    await until('every failed handshake logged or summed up', () => lines() + summed() === flood, 10_000).catch(() => assert.fail(`${lines()} lines and ${summed()} summed up of ${flood}: ${target.stderr().slice(-600)}`));
    assert.ok(summed() > 0, `all ${flood} failures were logged one by one`);
    assert.ok(((await target.ask('refusals')).count as number) >= flood, 'every one is counted');
  });
});

test('stalled and half-sent handshakes are closed at the configured deadline, and connections past the unauthenticated cap push out the oldest', async () => {
  await withEpmd(async (epmdPort, peers) => {
    const target = await startPeer({ name: 'slow@127.0.0.1', epmdPort, handshakeTimeoutMs: 300, maxUnauthenticated: 4 });
    peers.push(target);
    const port = await portOf(target.name, epmdPort);
    const silent = await dialRaw(port);
    const halfHeader = await dialRaw(port);
    halfHeader.socket.write(Buffer.from([0, 0]));
    const helloOnly = await dialRaw(port);
    helloOnly.send(hello('staller@127.0.0.1'));
    const halfHello = await dialRaw(port);
    halfHello.socket.write(frame(hello('halfway@127.0.0.1')).subarray(0, 40));
    await until('the node answered the hello', () => helloOnly.frames.length === 1);
    for (const raw of [silent, halfHeader, helloOnly, halfHello]) await until('the node closed every stalled connection', () => raw.closed, 4000);
    const log = target.stderr();
    assert.match(log, /closed the connection from a peer at 127\.0\.0\.1:\d+ during the handshake: it sent nothing within 300 ms/);
    assert.match(log, /closed the connection from a peer claiming to be staller@127\.0\.0\.1 \(127\.0\.0\.1:\d+\) during the handshake: the handshake did not finish within 300 ms/);
    // Four handshakes open from one address: the next ones from it push out its oldest, which close at once.
    const held = [await dialRaw(port), await dialRaw(port), await dialRaw(port), await dialRaw(port)];
    const extra = [await dialRaw(port), await dialRaw(port)];
    await until('the two oldest to be pushed out', () => held[0]!.closed && held[1]!.closed);
    assert.match(target.stderr(), /dropped the oldest handshake from 127\.0\.0\.1:\d+ to make room for 127\.0\.0\.1:\d+: 127\.0\.0\.1 held 4 of the 4 places for connections in their handshake \(maxUnauthenticated\)/);
    for (const raw of [...held, ...extra]) await until('the node closed every stalled connection', () => raw.closed, 4000);
    const report = await target.ask('refusals');
    assert.ok((report.count as number) >= 6, JSON.stringify(report));
    // With the stalled ones gone, a real node gets in.
    const node = createNode();
    await node.startDistribution({ name: 'patient@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    try {
      assert.equal(await node.ping(target.name), true);
    } finally {
      node.shutdown();
    }
  });
});

const oddNames = fc.oneof(
  fc.string(),
  fc.constantFrom('a\nb@127.0.0.1', 'x@127.0.0.1\r\ndistribution: forged line', 'fuzz@127.0.0.1', 'é@h', '@', 'a@', '@b', 'a@b@c', `${'a'.repeat(300)}@h`, 'toString', '__proto__'),
  fc.stringMatching(/^[a-z]{1,8}@127\.0\.0\.1$/),
);
const greeting = (t: string) =>
  fc.record(
    {
      t: fc.constant(t),
      v: fc.oneof(fc.constant(3), fc.integer(), fc.double(), fc.string()),
      vmin: fc.oneof(fc.constant(3), fc.jsonValue()),
      name: oddNames,
      hidden: fc.jsonValue(),
      challenge: fc.oneof(fc.constant('ab'.repeat(32)), fc.string(), fc.jsonValue()),
      tick: fc.oneof(fc.jsonValue(), fc.double()),
      flags: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
    },
    { requiredKeys: ['t'] },
  );
const anyFrame = (t: string) =>
  fc.oneof(
    greeting(t).map((o) => Buffer.from(JSON.stringify(o))),
    fc.record({ t: fc.constantFrom('proof', 'refused', 'challenge', 'hello', 'ack', 'welcome', '__proto__', 'constructor'), digest: fc.oneof(fc.string(), fc.constant('00'.repeat(32))), reason: fc.oneof(fc.string(), fc.constantFrom('toString', 'constructor', 'cookie', 'simultaneous', 'a\nforged')) }, { requiredKeys: ['t'] }).map((o) => Buffer.from(JSON.stringify(o))),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  );

// Some 170 fuzzed exchanges against a real node, each waited on: seconds alone, more on a loaded machine.
test('fuzzed handshake frames in every position, from either side, never stop the node: it keeps serving and its log lines stay whole', { timeout: 240_000 }, async () => {
  await withEpmd(async (epmdPort, peers) => {
    const target = await startPeer({ name: 'fuzz@127.0.0.1', epmdPort, handshakeTimeoutMs: 2000 });
    peers.push(target);
    const port = await portOf(target.name, epmdPort);
    const pinger = createNode();
    await pinger.startDistribution({ name: 'pinger@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    const stillServing = async (batch: string): Promise<void> => {
      assert.ok(target.alive(), `the node exited during ${batch}: ${target.stderr()}`);
      pinger.dist!.disconnect(target.name);
      await until('the node saw the pinger go', async () => !((await target.ask('nodes')).nodes as string[]).includes('pinger@127.0.0.1'));
      assert.equal(await pinger.ping(target.name), true, `a real node is let in after ${batch}`);
    };
    // Sends frames and waits for the node's first answer or its close, whichever comes first.
    const exchange = async (raw: Raw, ...frames: Buffer[]): Promise<void> => {
      const had = raw.frames.length;
      for (const f of frames) raw.send(f);
      await until('an answer or the close', () => raw.frames.length > had || raw.closed);
      raw.socket.destroy();
    };
    const linesStayWhole = (): void => {
      const forged = target
        .stderr()
        .split('\n')
        .filter((l) => l !== '' && !/^distribution: /.test(l));
      assert.deepEqual(forged, [], 'every log line is the node’s own: names from the wire are escaped');
    };
    try {
      // Names that would forge a log line, in hellos the node refuses (a version it does not speak) and answers.
      for (const name of ['x@127.0.0.1\ndistribution: forged line', 'y@127.0.0.1\r\nforged']) {
        for (const v of [1, 3]) await exchange(await dialRaw(port), Buffer.from(JSON.stringify({ ...hello(name), v, vmin: v })));
      }
      await fc.assert(fc.asyncProperty(anyFrame('hello'), async (f) => exchange(await dialRaw(port), f)), { numRuns: 60 });
      await stillServing('fuzzed hellos');
      linesStayWhole();

      await fc.assert(
        fc.asyncProperty(fc.stringMatching(/^[a-z]{1,8}$/), anyFrame('proof'), async (name, f) => {
          const raw = await dialRaw(port);
          raw.send(hello(`${name}@127.0.0.1`));
          await raw.next();
          await exchange(raw, f);
        }),
        { numRuns: 60 },
      );
      await stillServing('fuzzed proofs');

      // The node dialling: a listener of the fuzzer's answers with a fuzzed challenge, or a valid one and a fuzzed proof.
      let answer: Buffer[] = [];
      const fake = createServer((socket) => {
        socket.on('error', () => {});
        socket.once('data', () => {
          for (const f of answer) socket.write(frame(f));
          socket.end();
        });
      });
      await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
      const registration = await register({ name: 'fake', port: (fake.address() as { port: number }).port, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) }, '127.0.0.1', epmdPort);
      try {
        const validChallenge = Buffer.from(JSON.stringify({ t: 'challenge', v: 3, vmin: 3, name: 'fake@127.0.0.1', challenge: hex32(), tick: 60_000, hidden: false, flags: [] }));
        await fc.assert(
          fc.asyncProperty(anyFrame('challenge'), fc.boolean(), async (f, second) => {
            answer = second ? [validChallenge, f] : [f];
            assert.equal((await target.ask('ping', { node: 'fake@127.0.0.1' })).pong, false);
          }),
          { numRuns: 40 },
        );
      } finally {
        registration.close();
        fake.close();
      }
      await stillServing('fuzzed challenges and proofs from a listener');
      linesStayWhole();
    } finally {
      pinger.shutdown();
    }
  });
});

// Where a fuzzed message's pids and refs live, as the client encodes them (translator's indexes): on the node
// itself (1: the receiver) at ids no process has, or on a third node, whose name may be no node name at all.
const elsewhere = fc.oneof(fc.constant(1), oddNames);
// A third node's index in translator(self, names): 2 + its place in `names`, where it is added.
const third = (names: string[], name: string): number => 2 + names.push(name) - 1;
const pidIn = (where: number | string, names: string[], id: number): Pid => new Pid(typeof where === 'number' ? where : third(names, where), id, 0);
const refIn = (where: number | string, names: string[], id: number): Ref => new Ref(typeof where === 'number' ? where : third(names, where), id);

// Well-formed messages addressed to processes, refs and names nobody has here (a reply to a pid of an unknown
// node among them): the node drops or answers each (noproc), and the connection reads on.
const addressedNowhere = fc
  .tuple(fc.integer({ min: 1, max: 10 }), elsewhere, elsewhere, fc.integer({ min: 1_000_000, max: 2 ** 31 }))
  .map(([kind, a, b, id]) => {
    // Only the names a message carries enter `others` (a name that is no node name gets the message dropped).
    const others: string[] = [];
    const me = new Pid(0, 7, 0);
    const pid = (): Pid => pidIn(a, others, id);
    const ref = (): Ref => refIn(b, others, id);
    const messages: (() => unknown[])[] = [
      () => ['send', pid(), 'to nobody'],
      () => ['alias_send', ref(), 'to no alias'],
      () => ['reg_send', 'no_such_name', { from: pid() }],
      () => ['reg_send', 'echo', { from: pid(), msg: 'to a third node' }],
      // A gen_server call whose reply is addressed to a pid that may be of another, unknown or invalid node.
      () => ['reg_send', 'rex', new CallMessage(new From(pid(), ref()), { module: 'otp', fn: 'ping', args: [] })],
      () => ['link', me, pid()],
      () => ['exit2', me, pid(), 'kill'],
      () => ['monitor', me, pid(), ref()],
      () => ['demonitor', me, pid(), ref()],
      () => ['down', pid(), me, ref(), 'normal'],
    ];
    return { message: messages[kind - 1]!(), others };
  });

test('after authentication, each frame a peer sends is taken, dropped with one line, or refused with one line and the close: after a dropped one the next message is answered at once, and the node keeps serving', { timeout: 300_000 }, async () => {
  await withEpmd(async (epmdPort, peers) => {
    // Ticks every 30 s on these connections (both sides say 120 s): an answer sooner than that is the node's
    // answer to the message, not its answer to a tick, which is how a delayed message would show.
    const target = await startPeer({ name: 'fuzz2@127.0.0.1', epmdPort, tickTime: 120_000 });
    peers.push(target);
    const port = await portOf(target.name, epmdPort);
    let n = 0;
    const self = (): string => `fuzzer${n}@127.0.0.1`;
    const me = new Pid(0, 7, 0);
    // For each connection: whether the node closed it, and whether one of its frames named a node whose name is no node name.
    const outcome: { closed: boolean; badName: boolean }[] = [];
    // Sends `frames` one at a time on a fresh authenticated connection, each followed by a gen_server call to
    // the node's rpc server from this client; the reply to it must arrive well before the next tick, unless
    // the node refused the frame and closed the connection.
    const afterEach = async (frames: { frame: Buffer; wellFormed: boolean; badName: boolean }[]): Promise<void> => {
      const raw = await authenticate(port, `fuzzer${++n}@127.0.0.1`, 'sekrit', target.name, 120_000);
      const record = { closed: false, badName: false };
      outcome[n] = record;
      try {
        for (const [i, { frame: f, wellFormed, badName }] of frames.entries()) {
          record.badName ||= badName;
          const tag = new Ref(0, 1000 + i);
          const had = raw.frames.length;
          raw.socket.write(Buffer.concat([frame(f), frame(encodeControl(['reg_send', 'rex', new CallMessage(new From(me, tag), { module: 'otp', fn: 'ping', args: [] })], translator(self()), 1))]));
          const answered = (): boolean =>
            raw.frames.slice(had).some((r) => {
              if (r.length === 0) return false;
              const m = decodeControl(r, translator(self(), [target.name]), target.name);
              return m[0] === 'send' && m[2] instanceof ReplyMessage && (m[2].tag as Ref).id === tag.id;
            });
          await until(`the answer to the message after ${f.toString('hex').slice(0, 80)} (or the close)`, () => answered() || raw.closed, 15_000);
          if (!answered()) {
            assert.equal(wellFormed, false, `the node closed the connection after a well-formed message (${f.toString('hex')}): ${target.stderr()}`);
            record.closed = true;
            return;
          }
        }
      } finally {
        raw.socket.destroy();
      }
    };
    const random = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => ({ frame: Buffer.from(b), wellFormed: false, badName: false }));
    const nowhere = addressedNowhere.map(({ message, others }) => ({ frame: encodeControl(message, translator(self(), others), 1), wellFormed: true, badName: others.some((o) => !isNodeName(o)) }));
    try {
      for (const bad of ['not a node', 'a\nb@127.0.0.1', 'ghost@127.0.0.1']) {
        await afterEach([{ frame: encodeControl(['reg_send', 'echo', { from: new Pid(2, 1, 0), msg: 'to a third node' }], translator(self(), [bad]), 1), wellFormed: true, badName: !isNodeName(bad) }]);
      }
      // Messages of the wrong shape, e.g. a monitor whose watcher is no pid (kept, it would fail when the echo exits): refused.
      for (const message of [['monitor', 42, 'echo', new Ref(0, 1)], ['link', 'x', new Pid(1, 1, 0)], ['down', 'echo', null, new Ref(0, 2), 'normal']]) {
        await afterEach([{ frame: encodeControl(message, translator(self()), 1), wellFormed: false, badName: false }]);
        assert.ok(outcome[n]!.closed, `the node closed the connection that sent ${JSON.stringify(message)}`);
      }
      await fc.assert(fc.asyncProperty(fc.array(fc.oneof(random, nowhere), { minLength: 1, maxLength: 4 }), afterEach), { numRuns: 150 });
      assert.ok(target.alive(), `the node exited: ${target.stderr()}`);
      // One line per connection at most, naming it: the frame it dropped (a name that is no node name), or the
      // one it refused before closing; a connection closed or dropping such a frame has its line.
      const about = (i: number): string[] => target.stderr().split('\n').filter((l) => new RegExp(` fuzzer${i}@127\\.0\\.0\\.1[: ]`).test(l));
      // A dropped message's line may instead be counted in a summary (at most 10 such lines a second): those add up.
      const unlogged = (): number[] => [...outcome.keys()].filter((i) => outcome[i] && (outcome[i].closed || outcome[i].badName) && about(i).length === 0);
      const summed = (): number => [...target.stderr().matchAll(/dropped (\d+) more messages? in that second/g)].reduce((t, m) => t + Number(m[1]), 0);
      const accounted = (): boolean => unlogged().every((i) => !outcome[i]!.closed) && unlogged().length <= summed();
      await until('the node logged every refused or dropped frame', accounted).catch((error: unknown) => assert.fail(`${String(error)}: connections ${unlogged().join(', ')}\n${target.stderr()}`));
      for (const [i, o] of outcome.entries()) {
        if (!o) continue;
        const mine = about(i);
        const drops = mine.filter((l) => l.startsWith(`distribution: dropped a message from fuzzer${i}@127.0.0.1: `));
        const closes = mine.filter((l) => l.startsWith(`distribution: closed the connection to fuzzer${i}@127.0.0.1`));
        assert.equal(closes.length, o.closed ? 1 : 0, `one line for the frame that closed connection ${i}, none if none did: ${mine.join('\n')}`);
        assert.equal(drops.length + closes.length, mine.length, `no other line about connection ${i}: ${mine.join('\n')}`);
        if (o.badName) assert.ok(drops.length >= 1 || summed() > 0, `a line for the dropped frame of connection ${i}, or its count in a summary`);
      }
      const lines = target.stderr().split('\n');
      const forged = lines.filter((l) => l !== '' && !/^distribution: /.test(l));
      assert.deepEqual(forged, [], 'every log line is the node’s own: names from the wire are escaped');
      // And a real node still gets in and is answered.
      const pinger = createNode();
      await pinger.startDistribution({ name: 'pinger2@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
      try {
        assert.equal(await pinger.ping(target.name), true);
      } finally {
        pinger.shutdown();
      }
    } finally {
      assert.ok(target.alive(), `the node exited: ${target.stderr()}`);
    }
  });
});

test('a peer with the cookie sending a value nested a thousand levels deep inside a v8 serialization, or a frame of one-byte elements that would grow eightfold once decoded, is refused with a line and the close: nothing is delivered, memory stays bounded, the node keeps serving', { timeout: 120_000 }, async () => {
  await withEpmd(async (epmdPort, peers) => {
    const target = await startPeer({ name: 'limits@127.0.0.1', epmdPort });
    peers.push(target);
    const port = await portOf(target.name, epmdPort);
    const me = new Pid(0, 7, 0);
    // A reg_send to the echo (which forwards what it gets) whose message's `msg` is the raw term `term`.
    const toEcho = (self: string, term: Buffer): Buffer => {
      const f = encodeControl(['reg_send', 'echo', { from: me, msg: 'SLOT' }], translator(self), 1);
      const at = f.indexOf(Buffer.from([0x07, 4, ...Buffer.from('SLOT')]));
      return Buffer.concat([f.subarray(0, at), term, f.subarray(at + 6)]);
    };
    let deep: unknown = 'leaf';
    for (let i = 0; i < 1000; i++) deep = { deep };
    const payload = serialize(deep);
    const v8Term = Buffer.concat([Buffer.from([0x3f, 0, 0, 0, 0]), payload]);
    v8Term.writeUInt32BE(payload.length, 1);
    const count = 60 * MiB;
    const nulls = Buffer.alloc(5 + count, 0x01);
    nulls[0] = 0x10;
    nulls.writeUInt32BE(count, 1);
    const before = (await target.ask('rss')).rss as number;
    for (const [name, term, why] of [
      ['deep@127.0.0.1', v8Term, 'a value is nested more than 64 levels deep'],
      ['wide@127.0.0.1', nulls, `its values would take more than ${128 * MiB} bytes of memory once decoded (twice maxFrameBytes)`],
    ] as const) {
      const raw = await authenticate(port, name, 'sekrit', target.name);
      raw.socket.write(frame(toEcho(name, term)));
      await until(`the node closed the connection of ${name}`, () => raw.closed);
      assert.equal(raw.frames.length, 2, `nothing echoed to ${name}: only the listener's challenge and proof`);
      await until(`the line about ${name}`, () => target.stderr().includes(`distribution: closed the connection to ${name}: a frame could not be decoded (${why})`));
    }
    const after = await target.ask('rss');
    const grew = ((after.peak as number) - before) / MiB;
    assert.ok(grew < 250, `the node's RSS rose by ${grew.toFixed(0)} MiB for a 60 MiB frame`);
    // Another peer is answered as before.
    const pinger = createNode();
    await pinger.startDistribution({ name: 'pinger3@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    try {
      assert.equal(await pinger.ping(target.name), true);
    } finally {
      await pinger.shutdown();
    }
    assert.ok(target.alive(), target.stderr());
  });
});

test('a call, reply or sys request of the wrong shape from a peer with the cookie (a From that is no From) is refused when read, with a line and the close: the server it was for keeps serving', { timeout: 120_000 }, async () => {
  await withEpmd(async (epmdPort, peers) => {
    const target = await startPeer({ name: 'shapes@127.0.0.1', epmdPort });
    peers.push(target);
    const port = await portOf(target.name, epmdPort);
    const me = new Pid(0, 7, 0);
    const ping = { module: 'otp', fn: 'ping', args: [] };
    const malformed: [string, unknown][] = [
      ['system', new SystemMessage(42 as never, { type: 'getState' })],
      ['system', new SystemMessage(new From(me, new Ref(0, 1)), 'getState' as never)],
      ['call', new CallMessage('me' as never, ping)],
      ['from', new CallMessage(new From('me' as never, 'tag' as never), ping)],
      ['reply', new ReplyMessage(42 as never, 'value')],
    ];
    for (const [i, [what, message]] of malformed.entries()) {
      const self = `shaper${i}@127.0.0.1`;
      const raw = await authenticate(port, self, 'sekrit', target.name);
      raw.send(encodeControl(['reg_send', 'rex', message], translator(self), 1));
      await until(`the node closed the connection that sent a malformed '${what}'`, () => raw.closed);
      await until(`the line about ${self}`, () => target.stderr().includes(`distribution: closed the connection to ${self}: a frame could not be decoded (a '${what}' message of the wrong shape)`));
      // The rpc server still answers a call from another peer.
      const asker = `asker${i}@127.0.0.1`;
      const other = await authenticate(port, asker, 'sekrit', target.name);
      const tag = new Ref(0, 100 + i);
      other.send(encodeControl(['reg_send', 'rex', new CallMessage(new From(me, tag), ping)], translator(asker), 1));
      const answered = (): boolean =>
        other.frames.some((f) => {
          if (f.length === 0 || f[0] === 0x7b) return false;
          const m = decodeControl(f, translator(asker, [target.name]), target.name);
          return m[0] === 'send' && m[2] instanceof ReplyMessage && (m[2].tag as Ref).id === tag.id;
        });
      await until(`rex's answer to ${asker} after the malformed '${what}'`, answered, 15_000);
      other.socket.destroy();
    }
    assert.ok(target.alive(), target.stderr());
  });
});

test("the global name server takes a request it does not know, or a sync of the wrong shape, from a peer with the cookie as OTP's does: a warning, no answer, and it keeps serving", { timeout: 120_000 }, async () => {
  await withEpmd(async (epmdPort, peers) => {
    const target = await startPeer({ name: 'globe@127.0.0.1', epmdPort });
    peers.push(target);
    const self = 'stranger@127.0.0.1';
    const raw = await authenticate(await portOf(target.name, epmdPort), self, 'sekrit', target.name);
    const me = new Pid(0, 7, 0);
    const toGlobal = (message: unknown): void => raw.send(encodeControl(['reg_send', 'global_name_server', message], translator(self), 1));
    toGlobal(new CallMessage(new From(me, new Ref(0, 1)), 'garbage'));
    toGlobal(new CallMessage(new From(me, new Ref(0, 2)), { op: 'commit', name: 'x', lock: 'l', pid: 'not a pid', resolver: 'randomExit' }));
    toGlobal(new CastMessage({ op: 'sync' }));
    toGlobal({ op: 'sync', from: self, entries: 5 });
    toGlobal({ op: 'resolved', name: 'x', keep: null, drop: 'everyone' });
    // Then a request it knows: answered.
    const tag = new Ref(0, 3);
    toGlobal(new CallMessage(new From(me, tag), { op: 'unregister', name: 'nobody' }));
    await until('the answer to the known request', () =>
      raw.frames.some((f) => {
        if (f.length === 0 || f[0] === 0x7b) return false;
        const m = decodeControl(f, translator(self, [target.name]), target.name);
        return m[0] === 'send' && m[2] instanceof ReplyMessage && (m[2].tag as Ref).id === tag.id && m[2].value === 'ok';
      }),
    );
    assert.equal(raw.closed, false);
    const warnings = (): number => (target.stderr().match(/global_name_server received an unexpected message: handle(Call|Cast|Info)\(/g) ?? []).length;
    await until('a warning for each of the five', () => warnings() === 5);
    assert.doesNotMatch(target.stderr(), /crash report/);
  });
});

test('after a message naming a pid of an invalid or unknown node, dropped with one escaped line each (at most 10 a second, the rest summed up), the connection delivers the next messages, in order', async () => {
  await withEpmd(async (epmdPort, peers) => {
    // A long tick time: the node says nothing of its own on the connection for 15 s, so whatever answers below is the echo.
    const target = await startPeer({ name: 'drops@127.0.0.1', epmdPort, tickTime: 60_000 });
    peers.push(target);
    const me = 'dropper@127.0.0.1';
    const raw = await authenticate(await portOf(target.name, epmdPort), me, 'sekrit', target.name);
    const echo = (from: Pid, msg: string, third: string[] = []): Buffer => frame(encodeControl(['reg_send', 'echo', { from, msg }], translator(me, third), 1));
    // One write: three messages whose reply is addressed to a pid of a node that is no node name or is not
    // running, then two the echo answers (to a pid of this client).
    raw.socket.write(
      Buffer.concat([
        echo(new Pid(2, 1, 0), 'to nowhere', ['not a node']),
        echo(new Pid(2, 1, 0), 'to nowhere', ['a\nb@127.0.0.1']),
        echo(new Pid(2, 1, 0), 'to nowhere', ['ghost@127.0.0.1']),
        echo(new Pid(0, 7, 0), 'one'),
        echo(new Pid(0, 7, 0), 'two'),
      ]),
    );
    await until('two answers after the handshake, or the close', () => raw.frames.length >= 4 || raw.closed);
    assert.equal(raw.closed && raw.frames.length < 4, false, `the node closed the connection instead of answering: ${target.stderr()}`);
    const answers = raw.frames.slice(2, 4).map((f) => (f.length === 0 ? 'a tick' : decodeControl(f, translator(me, [target.name]), target.name)));
    assert.deepEqual(answers, [
      ['send', new Pid(0, 7, 0), { echo: 'one' }],
      ['send', new Pid(0, 7, 0), { echo: 'two' }],
    ]);
    await until('the node logged the message for the unknown node as dropped', () => /dropped 1 message to 'ghost@127\.0\.0\.1': /.test(target.stderr()));
    const lines = target.stderr().split('\n').filter((l) => l !== '');
    assert.deepEqual(
      lines.filter((l) => !/ghost/.test(l)),
      [
        "distribution: dropped a message from dropper@127.0.0.1: it names a pid or ref of 'not a node' is not a node name (it is not name@host)",
        "distribution: dropped a message from dropper@127.0.0.1: it names a pid or ref of 'a\\u000ab@127.0.0.1' is not a node name (its name part may hold only letters, digits and _ . -)",
      ],
    );
    assert.deepEqual(lines.filter((l) => /ghost/.test(l)), ["distribution: dropped 1 message to 'ghost@127.0.0.1': the port mapper on 127.0.0.1 does not know ghost"]);
    // A flood of them: the first lines of a second one each (10 a second for all drops), the rest summed up in
    // one line when that second ends; the connection keeps delivering.
    const before = target.stderr().split('\n').length - 1;
    raw.socket.write(Buffer.concat(Array.from({ length: 200 }, () => echo(new Pid(2, 1, 0), 'to nowhere', ['bad name']))));
    raw.socket.write(echo(new Pid(0, 7, 0), 'three'));
    await until('the answer after the flood', () => raw.frames.length >= 5 || raw.closed);
    const summary = /^distribution: dropped (\d+) more messages? in that second, not logged one by one \(at most 10 lines a second about dropped messages\)$/m;
    await until('the summary of the flood', () => summary.test(target.stderr()));
    const flood = target.stderr().split('\n').slice(before).filter((l) => l !== '');
    const one = "distribution: dropped a message from dropper@127.0.0.1: it names a pid or ref of 'bad name' is not a node name (it is not name@host)";
    const logged = flood.filter((l) => l === one).length;
    const summed = flood.filter((l) => summary.test(l)).map((l) => Number(summary.exec(l)?.[1]));
    assert.ok(logged <= 10, `${logged} lines for the flood: ${flood.join('\n')}`);
    assert.equal(logged + summed.reduce((a, b) => a + b, 0), 200, flood.join('\n'));
    assert.equal(flood.length, logged + summed.length, flood.join('\n'));
    assert.equal(raw.closed, false, 'the connection stays up');
    raw.socket.destroy();
  });
});

test('a message a peer sends for a process of a third node is dropped with a line naming both, never relayed: the node does not dial the third node for it', async () => {
  await withEpmd(async (epmdPort, peers) => {
    const target = await startPeer({ name: 'norelay@127.0.0.1', epmdPort, tickTime: 60_000 });
    peers.push(target);
    // The third node runs, shares the cookie, and has a process that would take the message.
    const third = createNode();
    await third.startDistribution({ name: 'third@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    try {
      const got: unknown[] = [];
      await third.run(async (ctx) => {
        const sink = ctx.spawn(async (c) => {
          for (;;) got.push(await c.receive());
        });
        const me = 'relayer@127.0.0.1';
        const raw = await authenticate(await portOf(target.name, epmdPort), me, 'sekrit', target.name);
        // The sink's pid as the wire names it from here: a pid of the third node (index 2 in this translator).
        const via = translator(me, ['third@127.0.0.1']);
        raw.socket.write(Buffer.concat([frame(encodeControl(['send', new Pid(2, sink.id, sink.serial), 'relayed'], via, 1)), frame(encodeControl(['reg_send', 'echo', { from: new Pid(0, 7, 0), msg: 'after' }], via, 1))]));
        // The echo's answer comes after the node handled the send before it (one connection, in order).
        await until('the echo answered the message after the relayed one', () => raw.frames.length >= 3 || raw.closed);
        assert.equal(raw.closed, false, `the node closed the connection: ${target.stderr()}`);
        await until('the node logged the dropped message', () => /dropped a message from relayer@127\.0\.0\.1: /.test(target.stderr()));
        assert.match(target.stderr(), /^distribution: dropped a message from relayer@127\.0\.0\.1: it is for a process of 'third@127\.0\.0\.1', and a node delivers only to its own processes$/m);
        assert.deepEqual(got, []);
        assert.deepEqual(third.nodes(), [], 'the node never dialled the third node');
        raw.socket.destroy();
      });
    } finally {
      third.shutdown();
    }
  });
});

test('a link, exit or monitor a peer sends on behalf of a process of another node is refused with a line and the close, as Erlang refuses it; the node keeps serving', async () => {
  await withEpmd(async (epmdPort, peers) => {
    const target = await startPeer({ name: 'senders@127.0.0.1', epmdPort, tickTime: 60_000 });
    peers.push(target);
    const port = await portOf(target.name, epmdPort);
    const forged = [
      (via: PidTranslator) => encodeControl(['monitor', new Pid(2, 5, 0), 'echo', new Ref(2, 9)], via, 1),
      (via: PidTranslator) => encodeControl(['link', new Pid(2, 5, 0), new Pid(1, 1, 0)], via, 1),
      (via: PidTranslator) => encodeControl(['exit2', new Pid(2, 5, 0), new Pid(1, 1, 0), 'kill'], via, 1),
    ];
    for (const [i, make] of forged.entries()) {
      const me = `forger${i}@127.0.0.1`;
      const raw = await authenticate(port, me, 'sekrit', target.name);
      // Pids of index 2 are the third node's: this client speaks for a process that is not its own.
      raw.socket.write(frame(make(translator(me, ['third@127.0.0.1']))));
      await until(`the node closed the connection of ${me}`, () => raw.closed);
      raw.socket.destroy();
    }
    await until('a line for each refusal', () => forged.every((_, i) => target.stderr().includes(`distribution: closed the connection to forger${i}@127.0.0.1: a `)));
    for (const [i, op] of ['monitor', 'link', 'exit2'].entries()) assert.match(target.stderr(), new RegExp(`^distribution: closed the connection to forger${i}@127\\.0\\.0\\.1: a ${op} whose sender is not a process of forger${i}@127\\.0\\.0\\.1$`, 'm'));
    // Its own processes' signals are taken, and the node serves on.
    const me = 'honest@127.0.0.1';
    const raw = await authenticate(port, me, 'sekrit', target.name);
    raw.socket.write(Buffer.concat([frame(encodeControl(['monitor', new Pid(0, 7, 0), 'echo', new Ref(0, 3)], translator(me), 1)), frame(encodeControl(['reg_send', 'echo', { from: new Pid(0, 7, 0), msg: 'still here' }], translator(me), 1))]));
    await until('the echo answered after the monitor', () => raw.frames.length >= 3 || raw.closed);
    assert.equal(raw.closed, false, `the node closed an honest connection: ${target.stderr()}`);
    raw.socket.destroy();
    assert.ok(target.alive(), `the node exited: ${target.stderr()}`);
  });
});

test("a DOWN a peer sends for a monitor on another node's process ends nothing: the monitor stays, and its DOWN comes from that node", async () => {
  await withEpmd(async (epmdPort) => {
    // The victim and the third node run here; the forger is a raw client of the victim's port.
    const victim = createNode();
    const third = createNode();
    await victim.startDistribution({ name: 'victim@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    await third.startDistribution({ name: 'third2@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    try {
      await victim.run(async (ctx) => {
        ctx.register('collector');
        ctx.register(
          'echo',
          ctx.spawn(async (c) => {
            for (;;) {
              const m = (await c.receive()) as { from: Pid; msg: string };
              c.send(m.from, { echo: m.msg });
            }
          }),
        );
        // A process of the third node, as the victim's pids name it, and a victim process monitoring it.
        third.spawn((c) => {
          c.send({ name: 'collector', node: 'victim@127.0.0.1' }, c.self());
          return c.receive((m) => m === 'stop');
        });
        const watched = (await ctx.receive((m) => m instanceof Pid, 30_000)) as Pid;
        const me = ctx.self();
        const seen: unknown[] = [];
        const watcher = ctx.spawn(async (c) => {
          c.send(me, c.monitor(watched));
          for (;;) seen.push(await c.receive());
        });
        const ref = (await ctx.receive((m) => m instanceof Ref, 30_000)) as Ref;
        // The forger names the victim's processes and refs with index 2 (the victim is its third node).
        const forger = 'forger9@127.0.0.1';
        const raw = await authenticate(await portOf('victim@127.0.0.1', epmdPort), forger, 'sekrit', 'victim@127.0.0.1');
        const via = translator(forger, ['victim@127.0.0.1']);
        raw.socket.write(
          Buffer.concat([
            frame(encodeControl(['down', new Pid(0, 7, 0), new Pid(2, watcher.id, watcher.serial), new Ref(2, ref.id), 'forged'], via, 1)),
            frame(encodeControl(['reg_send', 'echo', { from: new Pid(0, 7, 0), msg: 'after' }], via, 1)),
          ]),
        );
        await until('the echo answered after the forged DOWN', () => raw.frames.length >= 3 || raw.closed);
        assert.equal(raw.closed, false, 'the connection stays up');
        raw.socket.destroy();
        assert.equal(seen.length, 0, `the forged DOWN reached no one: ${JSON.stringify(seen)}`);
        // The monitor stays: the third node's process ends, and its DOWN comes.
        ctx.send(watched, 'stop');
        await until('the real DOWN', () => seen.length > 0);
        assert.equal((seen[0] as Down).reason, 'normal');
        assert.equal((seen[0] as Down).ref, ref);
      });
    } finally {
      victim.shutdown();
      third.shutdown();
    }
  });
});

test("a demonitor, or a monitor reusing the ref, a peer sends for another node's monitor of a local process ends nothing: that node still gets its DOWN", async () => {
  await withEpmd(async (epmdPort) => {
    // The victim and the third node run here; the forger is a raw client of the victim's port.
    const victim = createNode();
    const third = createNode();
    await victim.startDistribution({ name: 'victim2@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    await third.startDistribution({ name: 'third3@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    try {
      await third.run(async (ctx) => {
        // A victim process, watched from the third node by a monitor whose ref the forger names.
        const watched = victim.spawn((c) => c.receive((m) => m === 'stop'));
        const seen: unknown[] = [];
        const me = ctx.self();
        const watchedThere = new Pid(third.dist!.indexOf('victim2@127.0.0.1'), watched.id, watched.serial);
        // An echo on the victim: its answer to the forger comes after the victim handled the frames before it.
        victim.register(
          'echo',
          victim.spawn(async (c) => {
            for (;;) {
              const m = (await c.receive()) as { from: Pid; msg: string };
              c.send(m.from, { echo: m.msg });
            }
          }),
        );
        ctx.spawn(async (c) => {
          c.send(me, c.monitor(watchedThere));
          // The echo's answer comes over the connection the monitor went by: the victim holds the monitor by then.
          c.send({ name: 'echo', node: 'victim2@127.0.0.1' }, { from: c.self(), msg: 'monitored' });
          for (;;) seen.push(await c.receive());
        });
        const ref = (await ctx.receive((m) => m instanceof Ref, 30_000)) as Ref;
        await until('the victim holds the monitor', () => seen.length > 0);
        const downs = (): Down[] => seen.filter((m): m is Down => m instanceof Ref === false && (m as Down).ref === ref);
        const forger = 'forger10@127.0.0.1';
        const raw = await authenticate(await portOf('victim2@127.0.0.1', epmdPort), forger, 'sekrit', 'victim2@127.0.0.1');
        // The forger's own process, the victim's process (index 1: the peer it speaks to), the third node's ref (index 2).
        const via = translator(forger, ['third3@127.0.0.1']);
        const target = new Pid(1, watched.id, watched.serial);
        raw.socket.write(
          Buffer.concat([
            frame(encodeControl(['demonitor', new Pid(0, 7, 0), target, new Ref(2, ref.id)], via, 1)),
            frame(encodeControl(['monitor', new Pid(0, 7, 0), target, new Ref(2, ref.id)], via, 1)),
            frame(encodeControl(['demonitor', new Pid(0, 7, 0), target, new Ref(2, ref.id)], via, 1)),
            frame(encodeControl(['reg_send', 'echo', { from: new Pid(0, 7, 0), msg: 'after' }], via, 1)),
          ]),
        );
        await until('the echo answered after the forged frames', () => raw.frames.length >= 3 || raw.closed);
        assert.equal(raw.closed, false, 'the connection stays up');
        raw.socket.destroy();
        victim.send(watched, 'stop');
        await until("the third node's DOWN", () => downs().length > 0, 10_000);
        assert.equal(downs()[0]!.reason, 'normal');
      });
    } finally {
      victim.shutdown();
      third.shutdown();
    }
  });
});

test('a node dialling while the listener still holds its old connection (a quick reconnect, a restart, a half-open link) is asked whether it still has it, and replaces it if not, as OTP\'s alive status', async () => {
  await withEpmd(async (epmdPort, peers) => {
    const target = await startPeer({ name: 'lingers@127.0.0.1', epmdPort });
    peers.push(target);
    const port = await portOf(target.name, epmdPort);
    const me = 'back@127.0.0.1';
    const echoes = async (raw: Raw, msg: string): Promise<boolean> => {
      const had = raw.frames.length;
      raw.send(encodeControl(['reg_send', 'echo', { from: new Pid(0, 7, 0), msg }], translator(me), 1));
      await until(`the echo of ${msg} or the close`, () => raw.frames.slice(had).some((f) => f.length > 0) || raw.closed);
      return !raw.closed;
    };
    // The old connection: authenticated, then silent (its peer gone without a word, as far as the node can tell).
    const old = await authenticate(port, me, 'sekrit', target.name);
    assert.equal(await echoes(old, 'old'), true);
    // A dialler that does not answer `alive` (its hello does not say it) is refused as before.
    const mute = await dialRaw(port);
    const mine = hex32();
    mute.send({ ...hello(me, mine), v: 3, vmin: 3 });
    const ch = json(await mute.next());
    mute.send({ t: 'proof', digest: proofOf('sekrit', 'dialler', me, target.name, String(ch.challenge), mine) });
    assert.deepEqual(json(await mute.next()), { t: 'refused', reason: 'already' });
    // A dialler that answers it still has its connection (one came up meanwhile) is refused; the old one stays.
    const keeper = await dialRaw(port);
    const mine2 = hex32();
    keeper.send({ ...hello(me, mine2), v: 3, vmin: 3, alive: true });
    const ch2 = json(await keeper.next());
    keeper.send({ t: 'proof', digest: proofOf('sekrit', 'dialler', me, target.name, String(ch2.challenge), mine2) });
    assert.deepEqual(json(await keeper.next()), { t: 'alive' }, 'asked, and nothing derived from the cookie yet');
    keeper.send({ t: 'alive', replace: false });
    assert.deepEqual(json(await keeper.next()), { t: 'refused', reason: 'already' });
    assert.equal(await echoes(old, 'still old'), true, 'the old connection is kept');
    // A real node of that name (restarted: it knows nothing of the old connection) dials: it gets in at
    // once, and the node closes the old connection.
    const node = createNode();
    await node.startDistribution({ name: me, cookie: 'sekrit', epmdPort, log: () => {} });
    try {
      assert.equal(await node.ping(target.name), true, `the restarted node got in: ${target.stderr()}`);
      await until('the node closed the old connection', () => old.closed);
      assert.deepEqual((await target.ask('nodes')).nodes, [me]);
      // And reconnecting at once after a disconnect, round after round, never finds the listener's old connection in the way.
      for (let round = 0; round < 50; round++) {
        node.dist!.disconnect(target.name);
        assert.equal(await node.ping(target.name), true, `round ${round}: ${JSON.stringify(node.dist!.connectFailure(target.name))}`);
      }
    } finally {
      node.shutdown();
    }
    assert.equal(target.stderr(), '', 'a replaced connection is routine: no log line');
  });
});

test('two nodes dialling each other at the same moment end with one connection and lose no message, round after round', { timeout: 300_000 }, async () => {
  await withEpmd(async (epmdPort, peers) => {
    const p = await startPeer({ name: 'sim_p@127.0.0.1', epmdPort });
    const q = await startPeer({ name: 'sim_q@127.0.0.1', epmdPort });
    peers.push(p, q);
    const events = async (peer: Peer) => (await peer.ask('nodes')).events as { up: number; down: number };
    const ROUNDS = 40;
    for (let round = 1; round <= ROUNDS; round++) {
      // Both start sending (and so connecting) at one wall-clock instant, a little skewed to vary the interleaving.
      const at = Date.now() + 40;
      p.tell('blast', { node: q.name, of: 25, round, at });
      q.tell('blast', { node: p.name, of: 25, round, at: at + (round % 3) });
      await until(`round ${round}: every message arrived on both sides`, () => p.lines.some((l) => l.got === round) && q.lines.some((l) => l.got === round));
      assert.deepEqual((await p.ask('nodes')).nodes, [q.name]);
      assert.deepEqual((await q.ask('nodes')).nodes, [p.name]);
      assert.deepEqual(await events(p), { up: round, down: round - 1 }, `round ${round}: exactly one connection came up on ${p.name}`);
      assert.deepEqual(await events(q), { up: round, down: round - 1 }, `round ${round}: exactly one connection came up on ${q.name}`);
      await p.ask('disconnect', { node: q.name });
      await until(`round ${round}: both sides saw the connection go`, async () => (await events(p)).down === round && (await events(q)).down === round);
    }
    assert.equal(p.stderr() + q.stderr(), '', 'a simultaneous connect is routine: no log line');
  });
});

test('otp nodes --refused shows who refused whom, from which address and why, with the count', { timeout: 300_000 }, async () => {
  await withEpmd(async (epmdPort, peers) => {
    const target = await startPeer({ name: 'refuser@127.0.0.1', epmdPort });
    peers.push(target);
    const intruder = createNode();
    await intruder.startDistribution({ name: 'intruder@127.0.0.1', cookie: 'a-guess', epmdPort, log: () => {} });
    try {
      assert.equal(await intruder.ping(target.name), false);
    } finally {
      intruder.shutdown();
    }
    const { execFile } = await import('node:child_process');
    const otp = (...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [fileURLToPath(new URL('../../cli/bin/otp.js', import.meta.url)), ...args], { env: { ...process.env, OTP_EPMD_PORT: String(epmdPort) }, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) =>
          resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const run = await otp('nodes', '--refused', target.name, '--cookie', 'sekrit');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^refuser@127\.0\.0\.1: 1 refused handshake since it started; the last 1:\n/);
    assert.match(run.stdout, /\n\S+ {2}refuser@127\.0\.0\.1 refused intruder@127\.0\.0\.1 \(127\.0\.0\.1:\d+\) \(incoming\): wrong cookie\n$/);
    const usage = await otp('nodes', '--refused');
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /otp nodes --refused needs the node to ask/);
  });
});

test('a node without a cookie (none, empty, or only blanks, as the tools refuse it) does not start its distribution: one sentence saying what to give it', async () => {
  for (const cookie of ['', undefined, '   ', '\n']) {
    const node = createNode();
    await assert.rejects(node.startDistribution({ name: 'nocookie@127.0.0.1', cookie: cookie as unknown as string, epmdPort: 1, log: () => {} }), {
      message: 'distribution: no cookie: give the node a non-empty cookie (--cookie, OTP_COOKIE or ~/.otp-ts.cookie)',
    });
    assert.equal(node.dist ?? undefined, undefined, 'not distributed');
  }
});

test('a reconnection proves itself over the one-time challenge the last handshake gave, at once; the challenge works once only', async () => {
  await withEpmd(async (epmdPort, peers) => {
    const target = await startPeer({ name: 'resume@127.0.0.1', epmdPort });
    peers.push(target);
    const port = await portOf(target.name, epmdPort);
    const me = 'returning@127.0.0.1';
    (await authenticate(port, me, 'sekrit', target.name)).socket.destroy();
    await until('the node saw the first connection go', async () => !((await target.ask('nodes')).nodes as string[]).includes(me));
    const ticket = lastTicket;
    // Hello and proof together, over the one-time challenge: answered with the listener's proof, no retry.
    const resume = async (): Promise<Raw> => {
      const raw = await dialRaw(port);
      const mine = hex32();
      raw.send({ ...hello(me, mine), resume: true });
      raw.send({ t: 'proof', digest: proofOf('sekrit', 'dialler', me, target.name, ticket, mine) });
      await until('the node answered the proof or closed', () => raw.frames.length >= 2 || raw.closed);
      (raw as Raw & { mine: string }).mine = mine;
      return raw;
    };
    const first = await resume();
    assert.equal(json(first.frames[0]).t, 'challenge', 'the listener answers with its challenge first');
    assert.equal(json(first.frames[1]).digest, proofOf('sekrit', 'listener', me, target.name, ticket, (first as Raw & { mine: string }).mine));
    first.socket.destroy();
    await until('the node saw the resumed connection go', async () => !((await target.ask('nodes')).nodes as string[]).includes(me));
    // The same one-time challenge again (a replay): the node holds a newer one for this name, so it fails.
    const replay = await resume();
    await until('the replay is refused', () => replay.closed);
    assert.deepEqual(json(replay.frames[1]), { t: 'refused', reason: 'cookie' });
    // A resuming dialler the node has no one-time challenge for (it restarted, or it was used): asked to
    // retry over the fresh challenge, it gets in without a refusal.
    const stranger = 'stranger@127.0.0.1';
    const raw = await dialRaw(port);
    const mine = hex32();
    raw.send({ ...hello(stranger, mine), resume: true });
    raw.send({ t: 'proof', digest: '00'.repeat(32) });
    await until('the node asked to retry', () => raw.frames.length >= 2);
    assert.deepEqual(json(raw.frames[1]), { t: 'retry' });
    raw.send({ t: 'proof', digest: proofOf('sekrit', 'dialler', stranger, target.name, String(json(raw.frames[0]).challenge), mine) });
    await until('the node answered', () => raw.frames.length >= 3 || raw.closed);
    assert.equal(json(raw.frames[2]).digest, proofOf('sekrit', 'listener', stranger, target.name, String(json(raw.frames[0]).challenge), mine));
    raw.socket.destroy();
  });
});
