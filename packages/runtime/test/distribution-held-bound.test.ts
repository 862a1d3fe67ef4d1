// What a peer that proved the cookie and then reads nothing can make a node hold: the answers it owes the peer,
// the peer's frames parked meanwhile and the frame still arriving, together at most twice maxFrameBytes (plus one
// read and the answers to one frame). The node is a real OS process; the peer a raw client on loopback TCP that
// shakes hands by hand (docs/protocol.md §3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Pid, Ref } from '../src/pid.ts';
import { EpmdServer } from '../src/tools.ts';
import { lookup } from '../src/distribution/epmd-client.ts';
import { encodeControl, type PidTranslator } from '../src/distribution/codec.ts';
import { waitFor } from '../../../test/support/wait.ts';

const peerScript = fileURLToPath(new URL('./fixtures/held-peer.ts', import.meta.url));
const MAX_FRAME = 4 * 1024 * 1024;

function frame(payload: Buffer | object): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

// The dialler's proof of docs/protocol.md §3, written from the document.
function proofOf(cookie: string, dialler: string, listener: string, listenerChallenge: string, diallerChallenge: string): string {
  const field = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length >>> 24, (b.length >>> 16) & 255, (b.length >>> 8) & 255, b.length & 255]), b]);
  const fields = ['otp-ts distribution handshake v3', 'dialler', dialler, listener].map((s) => field(Buffer.from(s)));
  fields.push(field(Buffer.from(listenerChallenge, 'hex')), field(Buffer.from(diallerChallenge, 'hex')));
  return createHmac('sha256', cookie).update(Buffer.concat(fields)).digest('hex');
}

/** Shakes hands with the listener at `port` as `name`; resolves with the socket once the listener's proof came, then reads nothing more. */
function shakeHands(port: number, name: string, listener: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const mine = randomBytes(32).toString('hex');
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const f = JSON.parse(buf.subarray(4, 4 + buf.readUInt32BE(0)).toString()) as Record<string, unknown>;
        buf = buf.subarray(4 + buf.readUInt32BE(0));
        if (f.t === 'challenge') socket.write(frame({ t: 'proof', digest: proofOf('sekrit', name, listener, String(f.challenge), mine) }));
        else if (f.t === 'proof') {
          socket.off('data', onData);
          socket.pause();
          return resolve(socket);
        } else return reject(new Error(`the handshake ended with ${JSON.stringify(f)}`));
      }
    };
    socket.on('data', onData);
    socket.on('error', () => {});
    socket.once('connect', () => socket.write(frame({ t: 'hello', v: 4, vmin: 3, name, hidden: false, challenge: mine, tick: 60_000, flags: [] })));
  });
}

interface Held {
  owed: number;
  parked: number;
  arriving: number;
  read: number;
  paused: boolean;
  peak: number;
}

test('a peer that reads nothing, floods answered monitors and then sends a frame of maxFrameBytes as its parked frames reach the limit, makes the node hold at most twice maxFrameBytes (and one read): the arriving frame counts with the parked ones', { timeout: 120_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const child = spawn(process.execPath, [...process.execArgv, peerScript, JSON.stringify({ name: 'a@127.0.0.1', cookie: 'sekrit', epmdPort, tickTime: 600_000, maxFrameBytes: MAX_FRAME })], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const answers: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => answers.push(JSON.parse(l) as Record<string, unknown>));
  let socket: Socket | undefined;
  try {
    await waitFor('the node to start', () => answers.some((a) => a.ready) || child.exitCode !== null, { ms: 60_000 });
    assert.equal(child.exitCode, null, stderr);
    const held = async (): Promise<Held> => {
      const at = answers.length;
      child.stdin!.write('b@127.0.0.1\n');
      await waitFor('the node to answer', () => answers.length > at || child.exitCode !== null);
      assert.equal(child.exitCode, null, stderr);
      return answers[at] as unknown as Held;
    };
    const port = (await lookup('a', '127.0.0.1', epmdPort))!.port;
    const s = (socket = await shakeHands(port, 'b@127.0.0.1', 'a@127.0.0.1'));
    // Pids as this client writes them: index 0 is its own node.
    const names = ['b@127.0.0.1', 'a@127.0.0.1'];
    const via: PidTranslator = { nameOf: (i) => names[i]!, indexOf: (n) => names.indexOf(n) };
    const monitor = frame(encodeControl(['monitor', new Pid(0, 7, 0), new Pid(1, 999_999, 0), new Ref(0, 1)], via, 1));
    const monitors = Buffer.concat(Array.from({ length: 5000 }, () => monitor));
    let written = 0;
    const write = (b: Buffer): void => void ((written += b.length), s.write(b));
    // Every byte written read by the node (none parked past the limit yet, so it reads on).
    const allRead = async (): Promise<Held> => waitFor('the node to read all that was written', async () => {
      const h = await held();
      return h.read >= base + written ? h : undefined;
    }, { ms: 60_000, everyMs: 50 });
    // What the node read of the handshake.
    const base = (await held()).read;
    // Monitors of a process that does not exist until the node owes more than maxFrameBytes of DOWNs and parks what follows.
    await waitFor('the node to park the frames of a peer that reads none of its answers', async () => (await held()).parked > 0 || void write(monitors), { ms: 60_000, everyMs: 20 });
    const before = await allRead();
    assert.equal(before.paused, false);
    // Sends to a name nobody registered (parked, unanswered) until the parked frames are some 200 KB below the limit.
    const small = frame(encodeControl(['reg_send', 'nobody', Buffer.alloc(40_000, 7)], via, 1));
    const room = MAX_FRAME - before.parked - 200_000;
    for (let i = 0; i < Math.floor(room / (small.length + 128)); i++) write(small);
    const filled = await allRead();
    assert.equal(filled.paused, false, JSON.stringify(filled));
    // Then a frame just within maxFrameBytes: taken whole, it would be parked on top of all the others.
    write(frame(encodeControl(['reg_send', 'nobody', Buffer.alloc(MAX_FRAME - 100, 7)], via, 1)));
    const last = await waitFor('the node to stop reading the peer', async () => {
      const h = await held();
      return h.paused ? h : undefined;
    }, { ms: 60_000, everyMs: 50 });
    // Twice maxFrameBytes, one read (64 KiB) and the answers to one frame.
    assert.ok(last.peak <= 2 * MAX_FRAME + 64 * 1024 + 1024, `the node held ${last.peak} bytes for the peer (${JSON.stringify(last)})`);
    assert.ok(last.owed > MAX_FRAME, `the node owes ${last.owed} bytes of answers`);
  } finally {
    socket?.destroy();
    child.kill();
    await epmd.close();
  }
});
