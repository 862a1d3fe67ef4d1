// A peer that proves the cookie but says things about itself no node says: handshake fields out of range.
// Real TCP on loopback: the hostile peer is a raw client that shakes hands by hand (docs/protocol.md §3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createNode, genServer, global, loggerOf, pg, type LogEvent, type OtpNode } from '../src/index.ts';
import type { DistributionOptions } from '../src/distribution/node-dist.ts';
import type { ServerRef } from '../src/gen/call.ts';
import type { ProcessContext } from '../src/types.ts';
import { Pid, Ref } from '../src/pid.ts';
import { EpmdServer } from '../src/distribution/epmd-server.ts';
import { encodeControl, type PidTranslator } from '../src/distribution/codec.ts';
import { MAX_WIRE_NAMES } from '../src/distribution/node-table.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { dialRaw, frame, json, proofOf, type Raw } from './support/raw-peer.ts';
import { withPeer } from './support/hostile-cluster.ts';

/** Shakes hands as `name` with the cookie, saying `extra` in its hello; the listener's last answer too ({} when it closed). */
async function shakeHands(port: number, name: string, listener: string, extra: Record<string, unknown>): Promise<{ raw: Raw; answer: Record<string, unknown> }> {
  const raw = await dialRaw(port);
  const mine = randomBytes(32).toString('hex');
  raw.send({ t: 'hello', v: 4, vmin: 3, name, hidden: false, challenge: mine, tick: 60_000, flags: [], ...extra });
  const ch = json(await raw.next());
  if (ch.t !== 'challenge') return { raw, answer: ch };
  raw.send({ t: 'proof', digest: proofOf('sekrit', 'dialler', name, listener, String(ch.challenge), mine) });
  return { raw, answer: json(await raw.next()) };
}

// Pids as the raw client writes them: index 0 is the client's own node.
const translator = (self: string): PidTranslator => {
  const names = [self, 'unused'];
  return { nameOf: (i) => names[i]!, indexOf: (n) => names.indexOf(n) };
};

test('a peer announcing a creation that is no 32-bit number is refused at its handshake with a line: pids of it never break what this node sends to others', async () => {
  await withPeer(async ({ a, c, logs, port }) => {
    // On c: collects what arrives. On a: forwards to c whatever it gets.
    const got: unknown[] = [];
    c.spawn(async (ctx) => {
      for (;;) got.push(await ctx.receive());
    }, { name: 'inbox' });
    const errors: string[] = [];
    a.spawn(async (ctx) => {
      for (;;) {
        const m = await ctx.receive();
        try {
          ctx.send({ name: 'inbox', node: 'c@127.0.0.1' }, m);
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
    }, { name: 'fwd' });
    const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', { creation: 2 ** 40 });
    if (answer.t === 'proof') {
      // Let in: its pid, forwarded to c, must arrive there (or the handshake should not have let it in).
      raw.send(encodeControl(['reg_send', 'fwd', { from: new Pid(0, 7, 0) }], translator('b@127.0.0.1'), 1));
      await waitFor('the forward to arrive on c, or fail on a', () => got.length > 0 || errors.length > 0, { ms: 10_000 });
      assert.deepEqual(errors, [], 'a forward of a pid of the peer never throws at its sender');
    } else {
      assert.equal(answer.t, undefined, `refused or closed: ${JSON.stringify(answer)}`);
    }
    await waitFor('a line about the creation', () => logs.some((l) => /creation/.test(l)), { ms: 10_000 });
    assert.ok(logs.some((l) => /b@127\.0\.0\.1.*creation .*1099511627776.*32-bit/.test(l)), logs.join('\n'));
    raw.socket.destroy();
    // a still serves its cluster.
    assert.equal(await c.ping('a@127.0.0.1'), true);
  });
});

// A pid of the node `name`, written by name (docs/protocol.md §4: tag 0x22, the name as a short string, id, serial).
function namedPid(name: string, id: number): Buffer {
  const out = Buffer.alloc(3 + name.length + 8);
  out[0] = 0x22;
  out[1] = 0x07;
  out[2] = name.length;
  out.write(name, 3, 'latin1');
  out.writeUInt32BE(id, 3 + name.length);
  return out;
}

test('a frame holding more terms than its message has (a send followed by a thousand pids of other nodes) is refused at the first extra term, with a line and the close: none of the rest is decoded', async () => {
  await withPeer(async ({ a, c, logs, port }) => {
    const inbox = a.spawn(async (ctx) => {
      for (;;) await ctx.receive();
    });
    const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
    assert.equal(answer.t, 'proof', JSON.stringify(answer));
    // How many node names a has met, read as the index a fresh name gets.
    const before = a.dist!.indexOf('probe-before@127.0.0.1');
    // A send to a process of a (receiver-relative pid), its message, then a thousand terms no send has: pids each
    // naming another node, which a decoder reading them all would enter into a's table of node names.
    const send = Buffer.alloc(1 + 9 + 1);
    send[0] = 1;
    send[1] = 0x21;
    send.writeUInt32BE(inbox.id, 2);
    send.writeUInt32BE(inbox.serial, 6);
    send[10] = 0x00;
    raw.send(Buffer.concat([send, ...Array.from({ length: 1000 }, (_, i) => namedPid(`extra${i}@127.0.0.1`, i))]));
    await waitFor('a to close the connection', () => raw.closed, { ms: 10_000 });
    assert.ok(logs.some((l) => l === "distribution: closed the connection to b@127.0.0.1: a frame could not be decoded (a 'send' message of the wrong shape)"), logs.join('\n'));
    assert.equal(a.dist!.indexOf('probe-after@127.0.0.1'), before + 1, 'none of the extra pids was decoded');
    assert.equal(await c.ping('a@127.0.0.1'), true);
  });
});

const varint = (x: number): number[] => {
  const out: number[] = [];
  for (; x >= 0x80; x = Math.floor(x / 128)) out.push((x % 128) | 0x80);
  out.push(x);
  return out;
};

test('a v8 serialization in a frame that would take far more memory once built (a dense array of two million empty objects, in 6 MB) is refused before it is built, with a line and the close; the node keeps serving', async () => {
  await withPeer(async ({ a, c, logs, port }) => {
    // maxFrameBytes 8 MiB: a budget of 16 MiB once decoded; two million empty objects would take some 140 MiB.
    const got: unknown[] = [];
    const inbox = a.spawn(async (ctx) => {
      for (;;) got.push(await ctx.receive());
    });
    const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
    assert.equal(answer.t, 'proof', JSON.stringify(answer));
    // Node's v8 format: header, a dense array ('A') of n elements, each an empty object ('o', '{', 0 properties), its end.
    const n = 2_000_000;
    const payload = Buffer.concat([Buffer.from([0xff, 0x0f, 0x41, ...varint(n)]), Buffer.alloc(3 * n).fill(Buffer.from([0x6f, 0x7b, 0x00])), Buffer.from([0x24, 0, ...varint(n)])]);
    // A send to a process of a (receiver-relative pid) whose message is that payload (tag 0x3f, its length).
    const head = Buffer.alloc(1 + 9 + 5);
    head[0] = 1;
    head[1] = 0x21;
    head.writeUInt32BE(inbox.id, 2);
    head.writeUInt32BE(inbox.serial, 6);
    head[10] = 0x3f;
    head.writeUInt32BE(payload.length, 11);
    // Measured: how much heap a's thread holds at most while it reads the frame.
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 1);
    const before = process.memoryUsage().heapUsed;
    raw.send(Buffer.concat([head, payload]));
    await waitFor('a to close the connection', () => raw.closed, { ms: 60_000 });
    clearInterval(sample);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    assert.ok(logs.includes(`distribution: closed the connection to b@127.0.0.1: a frame could not be decoded (its values would take more than ${16 * 1024 * 1024} bytes of memory once decoded (twice maxFrameBytes))`), logs.join('\n'));
    assert.deepEqual(got, [], 'nothing delivered');
    assert.ok(peak - before < 40 * 1024 * 1024, `the heap rose by ${((peak - before) / 1024 / 1024).toFixed(0)} MiB for a 6 MB frame`);
    assert.equal(await c.ping('a@127.0.0.1'), true);
  }, { maxFrameBytes: 8 * 1024 * 1024 });
});

test('a peer naming ever more nodes in the pids it sends cannot grow the table of node names without bound: past the limit, a message naming one more is dropped with a line, and the next ones are delivered', async () => {
  await withPeer(async ({ a, logs, port }) => {
    const got: unknown[] = [];
    const inbox = a.spawn(async (ctx) => {
      for (;;) got.push(await ctx.receive());
    });
    const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
    assert.equal(answer.t, 'proof', JSON.stringify(answer));
    // A send to the inbox whose message is an array of pids, each of the node it names.
    const sendPids = (names: string[]): Buffer => {
      const head = Buffer.alloc(1 + 9 + 5);
      head[0] = 1;
      head[1] = 0x21;
      head.writeUInt32BE(inbox.id, 2);
      head.writeUInt32BE(inbox.serial, 6);
      head[10] = 0x10;
      head.writeUInt32BE(names.length, 11);
      return Buffer.concat([head, ...names.map((n, i) => namedPid(n, i))]);
    };
    const many = Array.from({ length: MAX_WIRE_NAMES }, (_, i) => `n${i}@127.0.0.1`);
    raw.send(sendPids(many));
    raw.send(sendPids(['one-more@127.0.0.1']));
    raw.send(sendPids(['n0@127.0.0.1', 'n1@127.0.0.1']));
    await waitFor('the last message to arrive', () => got.length === 2, { ms: 30_000 });
    assert.equal((got[0] as unknown[]).length, MAX_WIRE_NAMES);
    assert.equal((got[1] as unknown[]).length, 2, 'the message naming one node more was dropped, the next delivered');
    assert.ok(logs.includes(`distribution: dropped a message from b@127.0.0.1: it names a pid or ref of 'one-more@127.0.0.1', one more than the ${MAX_WIRE_NAMES} node names and runs this node takes from messages (those of nodes it never connected to)`), logs.join('\n'));
    assert.equal(raw.closed, false, 'the connection stays');
  });
});

// The node's log events, kept instead of printed.
function keepLogs(node: OtpNode): LogEvent[] {
  const events: LogEvent[] = [];
  loggerOf(node).removeHandler('default');
  loggerOf(node).addHandler({ id: 'test', log: (e) => events.push(e) });
  return events;
}

test("a peer with the smallest maxFrameBytes (64 KiB) gets no global or pg sync over it, with a warning each: the global name server and the pg scope keep running and serve the other nodes", async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const [x, y, z] = [createNode({ onCrash: () => {} }), createNode({ onCrash: () => {} }), createNode({ onCrash: () => {} })];
  try {
    const events = keepLogs(x);
    // A name whose sync is over 64 KiB on the wire.
    const big = `svc-${'n'.repeat(70_000)}`;
    keepLogs(y);
    await x.startDistribution({ name: 'x@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    await x.run((ctx) => pg.start(ctx));
    const member = x.spawn(async (ctx) => void (await ctx.receive()));
    await x.run(async (ctx) => {
      assert.equal(await global.register(ctx, big, member), true);
      await pg.join(ctx, big, member);
    });
    const servers = [x.whereis('global_name_server'), x.whereis('pg')];
    await y.startDistribution({ name: 'y@127.0.0.1', cookie: 'sekrit', epmdPort, maxFrameBytes: 65_536, log: () => {} });
    await y.run((ctx) => pg.start(ctx));
    assert.equal(await y.ping('x@127.0.0.1'), true);
    await waitFor("x's warnings about y", () => events.filter((e) => e.level === 'warning' && /could not send .*y@127\.0\.0\.1/.test(String(e.message))).length >= 2);
    assert.deepEqual([x.whereis('global_name_server'), x.whereis('pg')], servers, 'the same servers run');
    assert.ok(servers.every((p) => p !== undefined && x.isAlive(p)));
    assert.ok(events.some((e) => /^global_name_server could not send its 'sync' to y@127\.0\.0\.1: message is \d+ bytes on the wire, over the 65536-byte frame limit of y@127\.0\.0\.1 \(its maxFrameBytes\): send it in parts$/.test(String(e.message))), events.map((e) => String(e.message).slice(0, 300)).join('\n'));
    // Another node still learns the global name and the group's member from x.
    await z.startDistribution({ name: 'z@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    await z.run((ctx) => pg.start(ctx));
    assert.equal(await z.ping('x@127.0.0.1'), true);
    await waitFor('z to learn the global name', () => z.run((ctx) => global.whereis(ctx, big) !== undefined));
    await waitFor("z to learn the group's member", () => pg.getMembers(z, big).length === 1);
  } finally {
    await x.shutdown();
    await y.shutdown();
    await z.shutdown();
    await epmd.close();
  }
});

test('a node is not started with a maxFrameBytes below 64 KiB (its own messages would throw at their senders): one sentence naming the option and the minimum', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const n = createNode({ onCrash: () => {} });
  try {
    await assert.rejects(n.startDistribution({ name: 'tiny@127.0.0.1', cookie: 'sekrit', epmdPort, maxFrameBytes: 16, log: () => {} }), {
      message: "distribution: maxFrameBytes must be at least 65536 (64 KiB, what the runtime's own messages need), got 16",
    });
    assert.ok(!n.dist, 'no distribution runs');
  } finally {
    await n.shutdown();
    await epmd.close();
  }
});

test('a peer announcing a maxFrameBytes below 64 KiB is refused at its handshake with one line, and the node keeps serving: no send to it can throw at its sender', async () => {
  await withPeer(async ({ a, c, logs, port }) => {
    const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', { frame: 16 });
    assert.deepEqual(answer, { t: 'refused', reason: 'frame' });
    await waitFor('the close', () => raw.closed);
    assert.deepEqual(a.nodes(), []);
    assert.equal(logs.length, 1, logs.join('\n'));
    assert.match(logs[0]!, /^distribution: refused a peer claiming to be b@127\.0\.0\.1 \(127\.0\.0\.1:\d+\): it announces a maxFrameBytes of 16 bytes, below the 65536-byte minimum the runtime's own messages need; start it with a larger maxFrameBytes$/);
    assert.equal(a.dist!.refusals().recent.at(-1)?.reason, 'frame limit too small');
    assert.equal(await c.ping('a@127.0.0.1'), true);
  });
});

test("a global name conflict a peer's sync brings up is logged with the name quoted and escaped: a name holding a newline cannot forge a line", async () => {
  await withPeer(async ({ a, logs, port }) => {
    const name = 'svc\ndistribution: forged line';
    const holder = a.spawn(async (ctx) => void (await ctx.receive()));
    assert.equal(await a.run((ctx) => global.register(ctx, name, holder)), true);
    const other = a.spawn(async (ctx) => void (await ctx.receive()));
    assert.equal(await a.run((ctx) => global.register(ctx, 'other', other)), true);
    const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
    assert.equal(answer.t, 'proof', JSON.stringify(answer));
    // b says it holds the same name for one of its processes: a (whose name sorts first) decides.
    raw.send(encodeControl(['reg_send', 'global_name_server', { op: 'sync', from: 'b@127.0.0.1', entries: [[name, new Pid(0, 7, 0), 'randomExit']] }], translator('b@127.0.0.1'), 1));
    // And a second one whose 'from' is no node name: the line names the node whose connection sent it, not the claim.
    raw.send(encodeControl(['reg_send', 'global_name_server', { op: 'sync', from: 'z\nforged from', entries: [['other', new Pid(0, 8, 0), 'randomExit']] }], translator('b@127.0.0.1'), 1));
    await waitFor('the lines about both conflicts', () => logs.filter((l) => l.startsWith('global: name conflict on ')).length === 2, { ms: 10_000 });
    const lines = logs.flatMap((l) => l.split('\n')).filter((l) => l.startsWith('global: name conflict on '));
    assert.equal(lines.length, 2, logs.join('\n'));
    assert.ok(lines[0]!.startsWith("global: name conflict on 'svc\\u000adistribution: forged line' after b@127.0.0.1 connected: "), lines[0]);
    assert.ok(lines[1]!.startsWith("global: name conflict on 'other' after b@127.0.0.1 connected: "), lines[1]);
    raw.socket.destroy();
  });
});

test("a flood of connections that each send a 'refused' frame instead of a hello is logged within the budget of lines about incoming handshakes, each counted, and the node keeps serving", async () => {
  await withPeer(async ({ a, c, logs, port }) => {
    const before = a.dist!.refusals().count;
    const started = Date.now();
    const n = 200;
    for (let i = 0; i < n; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => dialRaw(port)));
      for (const raw of batch) raw.send({ t: 'refused', reason: `spam\nforged ${i}` });
      await waitFor('the batch to be closed', () => batch.every((r) => r.closed));
    }
    await waitFor('every refusal counted', () => a.dist!.refusals().count - before >= n);
    const lines = logs.filter((l) => /refused this node|spam/.test(l));
    // At most 10 a second, in every second the flood took (a loaded machine stretches it over several).
    assert.ok(lines.length <= 10 * (Math.ceil((Date.now() - started) / 1000) + 1), `${lines.length} lines for ${n} connections:\n${lines.slice(0, 5).join('\n')}`);
    assert.ok(logs.every((l) => !l.includes('\n')), 'no line holds a newline from the wire');
    assert.equal(await c.ping('a@127.0.0.1'), true);
  });
});

test('a peer that proved the cookie, then stops reading while it keeps ticking, is disconnected after the tick time with one line: the unsent data does not grow for ever, and the suspended sender resumes', async () => {
  await withPeer(
    async ({ a, c, logs, port }) => {
      const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(answer.t, 'proof', JSON.stringify(answer));
      // It reads nothing more, but says it is alive: an empty frame every 100 ms.
      raw.socket.pause();
      const ticks = setInterval(() => raw.send(Buffer.alloc(0)), 100);
      try {
        await waitFor('b to be connected', () => a.nodes().includes('b@127.0.0.1'));
        const pidOfB = new Pid(a.dist!.indexOf('b@127.0.0.1'), 7, 0);
        let sent = 0;
        const sender = a.spawn(async (ctx) => {
          for (;;) {
            ctx.send(pidOfB, Buffer.alloc(64 * 1024, 1));
            sent++;
            await ctx.sleep(0);
          }
        });
        await waitFor('a to close the connection', () => !a.nodes().includes('b@127.0.0.1'), { ms: 20_000 });
        const line = logs.find((l) => /b@127\.0\.0\.1/.test(l) && /stopped reading/.test(l));
        assert.ok(line, logs.join('\n'));
        assert.match(line, /^distribution: closed the connection to b@127\.0\.0\.1 \(127\.0\.0\.1:\d+\): it took none of the \d+ bytes waiting for it within 1000 ms \(the tick time\): it stopped reading$/);
        const at = sent;
        await waitFor('the suspended sender to run again', () => sent > at);
        a.exit(sender, 'kill');
        assert.equal(await c.ping('a@127.0.0.1'), true);
      } finally {
        clearInterval(ticks);
        raw.socket.destroy();
      }
    },
    { tickTime: 1000 },
  );
});

test("a peer that proved the cookie, then floods monitors and links of processes that do not exist while it reads none of the answers, is no longer read past maxFrameBytes of them: the unsent answers stay bounded, and it is disconnected after the tick time with one line", { timeout: 120_000 }, async () => {
  await withPeer(
    async ({ a, c, logs, port }) => {
      const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(answer.t, 'proof', JSON.stringify(answer));
      raw.socket.pause();
      await waitFor('b to be connected', () => a.nodes().includes('b@127.0.0.1'));
      const conn = a.dist!.connectionTo('b@127.0.0.1')!;
      let peak = 0;
      let parked = 0;
      const sample = setInterval(() => {
        peak = Math.max(peak, conn.buffered);
        parked = Math.max(parked, conn.parkedInput);
      }, 5);
      try {
        // Each one is answered (a noproc DOWN, a noproc exit), and the answers wait for b, which reads none of them: 32 MB asked, 28 MB of answers.
        const via = translator('b@127.0.0.1');
        const dead = new Pid(1, 999_999, 0);
        const monitor = frame(encodeControl(['monitor', new Pid(0, 7, 0), dead, new Ref(0, 1)], via, 1));
        const link = frame(encodeControl(['link', new Pid(0, 7, 0), dead], via, 1));
        const batch = Buffer.concat(Array.from({ length: 5000 }, () => [monitor, link]).flat());
        for (let i = 0; i < 100; i++) raw.socket.write(batch);
        await waitFor('a to close the connection', () => !a.nodes().includes('b@127.0.0.1'), { ms: 90_000 });
        // Up to a's maxFrameBytes (4 MiB here) and the answers to one frame past it.
        assert.ok(peak < 5 * 1024 * 1024, `${peak} bytes of answers waited for b`);
        // Its frames read meanwhile wait too, up to a's maxFrameBytes (4 MiB here) and one read's worth past it.
        assert.ok(parked > 0 && parked < 5 * 1024 * 1024, `${parked} bytes of b's frames waited to be handled`);
        const line = logs.find((l) => /b@127\.0\.0\.1/.test(l) && /stopped reading/.test(l));
        assert.ok(line, logs.join('\n'));
        assert.match(line, /^distribution: closed the connection to b@127\.0\.0\.1 \(127\.0\.0\.1:\d+\): it took none of the \d+ bytes waiting for it within 2000 ms \(the tick time\): it stopped reading$/);
        assert.equal(await c.ping('a@127.0.0.1'), true);
      } finally {
        clearInterval(sample);
        raw.socket.destroy();
      }
    },
    { tickTime: 2000, maxFrameBytes: 4 * 1024 * 1024 },
  );
});

test("the frames of a peer parked while this node waits for it to take its answers take no more memory than they are counted at (at most maxFrameBytes): each is copied out of the read it arrived in, not kept as a view that holds the whole read", { timeout: 120_000 }, async () => {
  await withPeer(
    async ({ a, port }) => {
      const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(answer.t, 'proof', JSON.stringify(answer));
      raw.socket.pause();
      await waitFor('b to be connected', () => a.nodes().includes('b@127.0.0.1'));
      const conn = a.dist!.connectionTo('b@127.0.0.1')!;
      const via = translator('b@127.0.0.1');
      const monitor = frame(encodeControl(['monitor', new Pid(0, 7, 0), new Pid(1, 999_999, 0), new Ref(0, 1)], via, 1));
      // Sends to a name nobody registered: dropped, unanswered; 40 KB each, so most reads end inside one.
      const big = frame(encodeControl(['reg_send', 'nobody', Buffer.alloc(40_000, 7)], via, 1));
      try {
        // Monitors until their answers get b's frames parked, then large frames until a stops reading b.
        const monitors = Buffer.concat(Array.from({ length: 1000 }, () => monitor));
        await waitFor("a to park b's frames", () => conn.parkedInput > 0 || void raw.socket.write(monitors), { ms: 60_000 });
        for (let i = 0; i < 200; i++) raw.socket.write(big);
        await waitFor('a to stop reading b', () => conn.parkedInput > 4 * 1024 * 1024 && conn.socket.isPaused(), { ms: 60_000 });
        const parked = (conn as unknown as { parked: Buffer[] }).parked;
        const buffers = new Set(parked.map((f) => f.buffer));
        const bytes = [...buffers].reduce((n, b) => n + b.byteLength, 0);
        // What the frames hold: their buffers (a block of small ones shared, up to 64 KiB of it unused at the end).
        assert.ok(bytes <= conn.parkedInput + 64 * 1024, `${parked.length} parked frames counted at ${conn.parkedInput} bytes hold ${bytes} bytes of buffers`);
        // Up to a's maxFrameBytes (4 MiB here) and one read's worth past it.
        assert.ok(conn.parkedInput < 5 * 1024 * 1024, `${conn.parkedInput} bytes parked`);
      } finally {
        raw.socket.destroy();
      }
    },
    { tickTime: 60_000, maxFrameBytes: 4 * 1024 * 1024 },
  );
});

test('a peer that proved the cookie cannot hold more than maxLinksAndMonitors links and monitors with the node: the one past it closes the connection with one line, what it let go counts no more, and it may connect again', async () => {
  await withPeer(
    async ({ a, c, logs, port }) => {
      const target = a.spawn(async (ctx) => {
        ctx.trapExit(true);
        for (;;) await ctx.receive();
      }, { name: 'target' });
      const via = translator('b@127.0.0.1');
      // Pids of index 1 are the receiver's own (a's): encodeControl's `peer`.
      const mine = new Pid(1, target.id, target.serial);
      const send = (raw: Raw, msg: readonly unknown[]) => raw.send(encodeControl(msg, via, 1));
      // Every frame before it handled: a monitor of a name nobody has is answered at once with a noproc DOWN naming it.
      const settled = async (raw: Raw, n: number) => {
        const name = `nobody_${n}`;
        send(raw, ['monitor', new Pid(0, 1, 0), name, new Ref(0, 900_000 + n)]);
        await waitFor(`the noproc DOWN of ${name}`, () => raw.frames.some((f) => f.includes(name)) || raw.closed);
      };
      const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(answer.t, 'proof', JSON.stringify(answer));
      // 30 monitors let go again, then one monitor asked for ten times: one.
      for (let i = 0; i < 30; i++) send(raw, ['monitor', new Pid(0, 7, 0), 'target', new Ref(0, i)]);
      for (let i = 0; i < 30; i++) send(raw, ['demonitor', new Pid(0, 7, 0), 'target', new Ref(0, i)]);
      for (let i = 0; i < 10; i++) send(raw, ['monitor', new Pid(0, 7, 0), mine, new Ref(0, 100)]);
      // 49 links from as many processes of b, each asked for twice: 50 in all, the limit.
      for (let i = 0; i < 49; i++) for (let j = 0; j < 2; j++) send(raw, ['link', new Pid(0, 1000 + i, 0), mine]);
      await settled(raw, 1);
      assert.ok(a.nodes().includes('b@127.0.0.1'), logs.join('\n'));
      assert.deepEqual(logs.filter((l) => /maxLinksAndMonitors/.test(l)), []);
      // One more is refused: the connection closes with one line.
      send(raw, ['link', new Pid(0, 2000, 0), mine]);
      await waitFor('a to close the connection', () => raw.closed);
      const lines = logs.filter((l) => /maxLinksAndMonitors/.test(l));
      assert.deepEqual(lines, ["distribution: closed the connection to b@127.0.0.1: it asked for more than 50 links and monitors with this node's processes (maxLinksAndMonitors): start this node with a larger maxLinksAndMonitors if b@127.0.0.1 needs that many"]);
      await waitFor('b to be down on a', () => !a.nodes().includes('b@127.0.0.1'));
      assert.equal(await c.ping('a@127.0.0.1'), true);
      // What it held went with its connection: connected again, it may hold as many.
      const again = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(again.answer.t, 'proof', JSON.stringify(again.answer));
      const brief = a.spawn(async (ctx) => void (await ctx.receive()));
      for (let i = 0; i < 50; i++) send(again.raw, ['link', new Pid(0, 3000 + i, 0), new Pid(1, brief.id, brief.serial)]);
      await settled(again.raw, 1);
      // And what a process held goes when it exits.
      a.send(brief, 'stop');
      await waitFor('the brief process to exit', () => !a.isAlive(brief));
      for (let i = 0; i < 50; i++) send(again.raw, ['link', new Pid(0, 4000 + i, 0), mine]);
      await settled(again.raw, 2);
      assert.ok(a.nodes().includes('b@127.0.0.1'), logs.join('\n'));
      assert.equal(logs.filter((l) => /maxLinksAndMonitors/.test(l)).length, 1);
      again.raw.socket.destroy();
    },
    { maxLinksAndMonitors: 50 },
  );
});

test('a cookie holder cannot connect under more names than maxConnections: the one past it is refused before the node proves anything, with one line, and a place freed is taken again', async () => {
  await withPeer(
    async ({ a, logs, epmdPort, port }) => {
      const full = (l: string): boolean => /maxConnections/.test(l);
      const b1 = await shakeHands(port, 'b1@127.0.0.1', 'a@127.0.0.1', {});
      const b2 = await shakeHands(port, 'b2@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(b1.answer.t, 'proof', JSON.stringify(b1.answer));
      assert.equal(b2.answer.t, 'proof', JSON.stringify(b2.answer));
      await waitFor('both up on a', () => a.nodes().length === 2);
      // A third name: refused, told why, one line; the two stay up.
      const b3 = await shakeHands(port, 'b3@127.0.0.1', 'a@127.0.0.1', {});
      assert.deepEqual(b3.answer, { t: 'refused', reason: 'full' });
      await waitFor('b3 closed', () => b3.raw.closed);
      const lines = logs.filter(full);
      assert.equal(lines.length, 1, logs.join('\n'));
      assert.match(lines[0]!, /^distribution: refused b3@127\.0\.0\.1 \(127\.0\.0\.1:\d+\): this node holds 2 connections to other nodes, the most it holds at once \(maxConnections\): start this node with a larger maxConnections, or disconnect nodes it no longer needs$/);
      assert.deepEqual(a.nodes().sort(), ['b1@127.0.0.1', 'b2@127.0.0.1']);
      // A real node dialling the full listener is refused too, and says why in its own log, with the fix.
      const dLogs: string[] = [];
      const d = createNode({ onCrash: () => {} });
      try {
        await d.startDistribution({ name: 'd@127.0.0.1', cookie: 'sekrit', epmdPort, log: (l) => dLogs.push(l) });
        assert.equal(await d.ping('a@127.0.0.1'), false);
        const told = dLogs.filter(full);
        assert.equal(told.length, 1, dLogs.join('\n'));
        assert.match(told[0]!, /^distribution: a@127\.0\.0\.1 \(127\.0\.0\.1:\d+\) refused this node's connection: it holds as many connections as its maxConnections allows: start it with a larger maxConnections, or disconnect nodes from it$/);
      } finally {
        await d.shutdown();
      }
      assert.equal(logs.filter(full).length, 2, logs.join('\n'));
      assert.deepEqual(a.nodes().sort(), ['b1@127.0.0.1', 'b2@127.0.0.1']);
      // Nor does the node dial past it: a connection it dialled comes down with one line.
      assert.equal(await a.ping('c@127.0.0.1'), false);
      assert.ok(logs.some((l) => l.startsWith('distribution: closed the connection it dialled to c@127.0.0.1: this node holds 2 connections')), logs.join('\n'));
      assert.deepEqual(a.nodes().sort(), ['b1@127.0.0.1', 'b2@127.0.0.1']);
      // A place freed is taken again.
      b1.raw.socket.destroy();
      await waitFor('b1 down on a', () => !a.nodes().includes('b1@127.0.0.1'));
      const again = await shakeHands(port, 'b3@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(again.answer.t, 'proof', JSON.stringify(again.answer));
      b2.raw.socket.destroy();
      again.raw.socket.destroy();
    },
    { maxConnections: 2 },
  );
});

test('a peer that proved the cookie cannot register more than maxGlobalNames global names here: the sync past it closes the connection with one line, its names go with it, and it may connect again', async () => {
  await withPeer(
    async ({ a, c, logs, port }) => {
      const via = translator('b@127.0.0.1');
      const names = (): Promise<string[]> => a.run((ctx) => global.registeredNames(ctx));
      // Pids of index 0 are b's own.
      const sync = (raw: Raw, from: number, n: number) =>
        raw.send(encodeControl(['reg_send', 'global_name_server', { op: 'sync', from: 'b@127.0.0.1', entries: Array.from({ length: n }, (_, i) => [`n${from + i}`, new Pid(0, 100 + from + i, 0), 'randomExit']) }], via, 1));
      const over = (l: string): boolean => /maxGlobalNames/.test(l);
      const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(answer.t, 'proof', JSON.stringify(answer));
      sync(raw, 0, 20);
      await waitFor('the 20 names on a', async () => (await names()).length === 20);
      assert.deepEqual(logs.filter(over), []);
      // 100 more in one sync: the first past the bound closes the connection, one line for them all.
      sync(raw, 20, 100);
      await waitFor('a to close the connection', () => raw.closed);
      assert.deepEqual(logs.filter(over), ['distribution: closed the connection to b@127.0.0.1: it would bring more than 20 global names and name locks here (maxGlobalNames): start this node with a larger maxGlobalNames if b@127.0.0.1 needs that many']);
      await waitFor("b's names to go with its connection", async () => (await names()).length === 0);
      assert.equal(await c.ping('a@127.0.0.1'), true);
      // Connected again, it may hold as many.
      const again = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(again.answer.t, 'proof', JSON.stringify(again.answer));
      sync(again.raw, 200, 20);
      await waitFor('the 20 names on a again', async () => (await names()).length === 20);
      assert.ok(a.nodes().includes('b@127.0.0.1'));
      assert.equal(logs.filter(over).length, 1);
      again.raw.socket.destroy();
    },
    { maxGlobalNames: 20 },
  );
});

test("a member syncing global names for a third node's processes has them counted against its own connection: past maxGlobalNames it is disconnected, whatever node its sync claims to be from, and the third node stays connected", async () => {
  await withPeer(
    async ({ a, c, logs, port }) => {
      // Real processes of c, a node of a's cluster that registers nothing itself.
      const held = Array.from({ length: 40 }, () => c.spawn(async (ctx) => void (await ctx.receive())));
      assert.equal(await c.ping('a@127.0.0.1'), true);
      // The raw client b writes its own pids at index 0, a's at 1 and c's at 2.
      const known = ['b@127.0.0.1', 'a@127.0.0.1', 'c@127.0.0.1'];
      const via: PidTranslator = { nameOf: (i) => known[i]!, indexOf: (n) => known.indexOf(n) };
      const names = (): Promise<string[]> => a.run((ctx) => global.registeredNames(ctx));
      const sync = (raw: Raw, from: number, n: number) =>
        raw.send(encodeControl(['reg_send', 'global_name_server', { op: 'sync', from: 'c@127.0.0.1', entries: Array.from({ length: n }, (_, i) => [`t${from + i}`, new Pid(2, held[from + i]!.id, held[from + i]!.serial), 'randomExit']) }], via, 1));
      const over = (l: string): boolean => /maxGlobalNames/.test(l);
      const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(answer.t, 'proof', JSON.stringify(answer));
      // A sync carries the sender's whole replica, third nodes' names too (as OTP's global): taken.
      sync(raw, 0, 15);
      await waitFor('the 15 names on a', async () => (await names()).length === 15);
      assert.deepEqual(logs.filter(over), []);
      // 15 more: past the 20 b may bring, b is disconnected, not c (whose pids they name, and whom the sync claims).
      sync(raw, 15, 15);
      await waitFor('a to close the connection to b', () => raw.closed);
      assert.deepEqual(logs.filter(over), ['distribution: closed the connection to b@127.0.0.1: it would bring more than 20 global names and name locks here (maxGlobalNames): start this node with a larger maxGlobalNames if b@127.0.0.1 needs that many']);
      assert.ok(a.nodes().includes('c@127.0.0.1'), logs.join('\n'));
      assert.equal(await c.ping('a@127.0.0.1'), true);
      // c's own registrations are counted against c alone: it may register within its own bound.
      const mine = c.spawn(async (ctx) => void (await ctx.receive()));
      assert.equal(await c.run((ctx) => global.register(ctx, 'c_own', mine)), true);
      await waitFor('c_own on a', async () => (await names()).includes('c_own'));
      assert.ok(a.nodes().includes('c@127.0.0.1'), logs.join('\n'));
      assert.equal(logs.filter(over).length, 1);
    },
    { maxGlobalNames: 20 },
  );
});

test('a peer that proved the cookie cannot announce more than maxPgMembers members in a pg scope here: the join past it closes the connection with one line, its members leave with it, and it may connect again', async () => {
  await withPeer(
    async ({ a, logs, port }) => {
      await a.run((ctx) => pg.start(ctx));
      const via = translator('b@127.0.0.1');
      const peer = new Pid(0, 5, 0);
      const pids = (from: number, n: number): Pid[] => Array.from({ length: n }, (_, i) => new Pid(0, 100 + from + i, 0));
      const toScope = (raw: Raw, m: object) => raw.send(encodeControl(['reg_send', 'pg', { peer, ...m }], via, 1));
      const members = (): number => pg.whichGroups(a).reduce<number>((n, g) => n + pg.getMembers(a, g).length, 0);
      const over = (l: string): boolean => /maxPgMembers/.test(l);
      const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(answer.t, 'proof', JSON.stringify(answer));
      toScope(raw, { pg: 'sync', groups: [['g1', pids(0, 10)]] });
      toScope(raw, { pg: 'join', group: 'g2', pids: pids(10, 10) });
      await waitFor('the 20 members on a', () => members() === 20);
      assert.deepEqual(logs.filter(over), []);
      // One member more: the connection closes with one line, and b's members leave.
      toScope(raw, { pg: 'join', group: 'g3', pids: pids(20, 1) });
      await waitFor('a to close the connection', () => raw.closed);
      assert.deepEqual(logs.filter(over), ['distribution: closed the connection to b@127.0.0.1: it would have more than 20 members in pg scope pg here (maxPgMembers): start this node with a larger maxPgMembers if b@127.0.0.1 needs that many']);
      await waitFor("b's members to leave with its connection", () => members() === 0);
      // Connected again, a sync past it is refused the same way; one within it is taken.
      const again = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(again.answer.t, 'proof', JSON.stringify(again.answer));
      toScope(again.raw, { pg: 'sync', groups: [['g1', pids(0, 15)], ['g2', pids(15, 5)]] });
      await waitFor('the 20 members on a again', () => members() === 20);
      toScope(again.raw, { pg: 'sync', groups: [['g1', pids(0, 1000)]] });
      await waitFor('a to close the connection again', () => again.raw.closed);
      assert.equal(logs.filter(over).length, 2);
      await waitFor("b's members to leave again", () => members() === 0);
    },
    { maxPgMembers: 20 },
  );
});

test('a peer that proved the cookie cannot make a pg scope keep ever more of its scope servers: past maxPgMembers of them its connection is closed with one line', async () => {
  await withPeer(
    async ({ a, logs, port }) => {
      await a.run((ctx) => pg.start(ctx));
      const via = translator('b@127.0.0.1');
      const over = (l: string): boolean => /maxPgMembers/.test(l);
      const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(answer.t, 'proof', JSON.stringify(answer));
      // Each discover names a new scope server of b: a answers each with its sync; 5 are kept.
      for (let i = 0; i < 5; i++) raw.send(encodeControl(['reg_send', 'pg', { pg: 'discover', peer: new Pid(0, 10 + i, 0) }], via, 1));
      await waitFor("a's 5 syncs", () => raw.frames.filter((f) => f.includes('sync')).length >= 5 || raw.closed);
      assert.ok(!raw.closed && logs.filter(over).length === 0, logs.join('\n'));
      for (let i = 0; i < 100; i++) raw.send(encodeControl(['reg_send', 'pg', { pg: 'discover', peer: new Pid(0, 100 + i, 0) }], via, 1));
      await waitFor('a to close the connection', () => raw.closed);
      assert.deepEqual(logs.filter(over), ['distribution: closed the connection to b@127.0.0.1: it named more than 5 scope servers of pg scope pg (maxPgMembers): start this node with a larger maxPgMembers if b@127.0.0.1 needs that many']);
    },
    { maxPgMembers: 5 },
  );
});

test('a node that proved the cookie cannot hold more than maxPgMembers pg.monitorScope and pg.monitor subscriptions of a scope here: the one past it closes its connection with one line, and its subscriptions go with it', async () => {
  await withPeer(
    async ({ a, logs, epmdPort }) => {
      await a.run((ctx) => pg.start(ctx));
      const over = (l: string): boolean => /maxPgMembers/.test(l);
      const b = createNode({ onCrash: () => {} });
      try {
        await b.startDistribution({ name: 'b@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
        // What pg.monitorScope and pg.monitor ask of a scope server, asked of a's from b; each answered while within the bound.
        const scope = { name: 'pg', node: 'a@127.0.0.1' } as ServerRef<object, never, unknown>;
        const subscribeIn = async (ctx: ProcessContext, n: number): Promise<string[]> => {
          const answers: string[] = [];
          for (let i = 0; i < n; i++) {
            const req = i % 2 === 0 ? { op: 'monitorScope' } : { op: 'monitor', group: `g${i}` };
            answers.push(await genServer.call(ctx, scope, req, 10_000).then((r) => typeof r, (e: unknown) => `failed: ${(e as Error).message}`));
          }
          return answers;
        };
        // A process of b that subscribes six times and lives on: its subscriptions end only with b's connection.
        let first: string[] | undefined;
        const holder = b.spawn(async (ctx) => {
          first = await subscribeIn(ctx, 6);
          await ctx.receive();
        });
        const answers = await waitFor('the six answers at b', () => first);
        assert.deepEqual(answers.slice(0, 5), Array(5).fill('object'));
        // The sixth: b's connection is closed with one line, and the call fails at b.
        assert.match(answers[5]!, /^failed: /);
        assert.deepEqual(logs.filter(over), ['distribution: closed the connection to b@127.0.0.1: it would hold more than 5 monitors of pg scope pg here (maxPgMembers): start this node with a larger maxPgMembers if b@127.0.0.1 needs that many']);
        await waitFor('b down on a', () => !a.nodes().includes('b@127.0.0.1'));
        assert.ok(b.isAlive(holder));
        // Its subscriptions went with its connection (their holder still alive): connected again, it may hold as many.
        let again: string[] | undefined;
        b.spawn(async (ctx) => {
          again = await subscribeIn(ctx, 5);
          await ctx.receive();
        });
        assert.deepEqual(await waitFor('the five answers at b', () => again), Array(5).fill('object'));
        assert.equal(logs.filter(over).length, 1);
      } finally {
        await b.shutdown();
      }
    },
    { maxPgMembers: 5 },
  );
});

test("a member speaking for a third node's pg scope server is ignored with a warning: what it announces is not counted against that node, which stays connected", async () => {
  await withPeer(
    async ({ a, c, logs, port }) => {
      const events = keepLogs(a);
      const warnings = (): string[] => events.filter((e) => e.level === 'warning').map((e) => String(e.message));
      await a.run((ctx) => pg.start(ctx));
      assert.equal(await c.ping('a@127.0.0.1'), true);
      // The raw client b writes its own pids at index 0, a's at 1 and c's at 2.
      const known = ['b@127.0.0.1', 'a@127.0.0.1', 'c@127.0.0.1'];
      const via: PidTranslator = { nameOf: (i) => known[i]!, indexOf: (n) => known.indexOf(n) };
      const over = (l: string): boolean => /maxPgMembers/.test(l);
      const { raw, answer } = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1', {});
      assert.equal(answer.t, 'proof', JSON.stringify(answer));
      // Ever new scope servers of c, and members of c, as b tells it: past maxPgMembers they would get c disconnected.
      for (let i = 0; i < 10; i++) raw.send(encodeControl(['reg_send', 'pg', { pg: 'sync', peer: new Pid(2, 500 + i, 0), groups: [['g', [new Pid(2, 600 + i, 0)]]] }], via, 1));
      await waitFor('the ten warnings', () => warnings().filter((w) => w.includes('a node speaks only for its own scope server')).length === 10);
      assert.deepEqual(logs.filter(over), []);
      assert.ok(a.nodes().includes('c@127.0.0.1'), logs.join('\n'));
      assert.deepEqual(pg.getMembers(a, 'g'), []);
      assert.match(warnings().find((w) => w.includes('a node speaks'))!, /^pg scope pg ignored a 'sync' from b@127\.0\.0\.1 naming <\S+> of c@127\.0\.0\.1 as its scope server: a node speaks only for its own scope server$/);
      raw.socket.destroy();
    },
    { maxPgMembers: 5 },
  );
});

// Every whole-number option of startDistribution, and the values it takes besides positive whole numbers.
const WHOLE_OPTIONS: Array<{ key: keyof DistributionOptions; alsoTakes?: unknown[]; message?: string }> = [
  { key: 'handshakeTimeoutMs' },
  { key: 'maxHandshakeBytes' },
  { key: 'maxFrameBytes' },
  { key: 'maxUnauthenticated' },
  { key: 'maxLinksAndMonitors' },
  { key: 'maxConnections' },
  { key: 'maxGlobalNames' },
  { key: 'maxPgMembers' },
  { key: 'maxAutoConnects' },
  { key: 'tickTime' },
  { key: 'busyLimit' },
  { key: 'epmdPort' },
  { key: 'busyWaitUs', alsoTakes: [0], message: 'a positive whole number or 0 (off)' },
];

test('every whole-number option of startDistribution refuses 0, -1, NaN, 1.5, a string and Infinity with one sentence naming it, and the node does not start', async () => {
  // A port mapper of its own: a node that started all the same (the check missing) must not start one on 4369.
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const node = createNode({ onCrash: () => {} });
  try {
    for (const { key, alsoTakes = [], message = 'a positive whole number' } of WHOLE_OPTIONS) {
      for (const bad of [0, -1, NaN, 1.5, '10', Infinity, -Infinity, null].filter((v) => !alsoTakes.includes(v))) {
        const shown = typeof bad === 'string' ? `the string '${bad}'` : bad === null ? "'null'" : String(bad);
        await assert.rejects(
          node.startDistribution({ name: 'x@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {}, [key]: bad } as DistributionOptions),
          (e: Error) => {
            assert.equal(e.message.split('. ').length, 1, e.message);
            assert.equal(e.message, `distribution: ${key} must be ${message}, got ${shown}`, `${key}: ${String(bad)}`);
            return true;
          },
        );
        assert.equal(node.dist ?? undefined, undefined, `${key}: ${String(bad)} left the node distributed`);
      }
    }
    await assert.rejects(node.startDistribution({ name: 'x@127.0.0.1', cookie: 'sekrit', log: () => {}, epmdPort: 65536 }), /^Error: distribution: epmdPort must be a port number from 1 to 65535, got 65536$/);
    // The values they take: the node starts.
    await node.startDistribution({ name: 'x@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {}, busyWaitUs: 0, tickTime: 30_000, busyLimit: 4096, maxAutoConnects: 1 });
    assert.equal(node.dist?.maxAutoConnects, 1);
  } finally {
    await node.shutdown();
    await epmd.close();
  }
});

test('the dials charged to peers (maxAutoConnects) are kept for at most 1024 peers: 1100 authenticated peers, each naming a node it makes this one dial, leave 1024 charges, and the node serves its cluster', { timeout: 300_000 }, async () => {
  await withPeer(async ({ a, c, port }) => {
    let got = 0;
    a.spawn(async (ctx) => {
      for (;;) {
        await ctx.receive();
        got++;
      }
    }, { name: 'sink' });
    const charges = (): number => (a.dist as unknown as { charges: Map<string, unknown> }).charges.size;
    const peers = 1100;
    const batch = 50;
    for (let from = 0; from < peers; from += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, peers - from) }, async (_, k) => {
          const name = `p${from + k}@127.0.0.1`;
          const { raw, answer } = await shakeHands(port, name, 'a@127.0.0.1', {});
          assert.equal(answer.t, 'proof', JSON.stringify(answer));
          // A message whose `from` is a process of a node not connected: a dial to it is charged to this peer.
          const names = [name, 'unused', 'third@127.0.0.1'];
          raw.send(encodeControl(['reg_send', 'sink', { from: new Pid(2, 7, 0) }], { nameOf: (i) => names[i]!, indexOf: (n) => names.indexOf(n) }, 1));
        }),
      );
      await waitFor(`the messages of the first ${from + batch} peers`, () => got >= Math.min(peers, from + batch), { ms: 60_000 });
      assert.ok(charges() <= 1024, `${charges()} charges after ${from + batch} peers`);
    }
    assert.equal(charges(), 1024);
    assert.equal(await c.ping('a@127.0.0.1'), true);
  }, { maxConnections: 2000 });
});
