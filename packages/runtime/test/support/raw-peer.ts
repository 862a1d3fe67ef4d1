// A raw TCP client of a distribution port, for the tests that play a hostile or hand-driven peer: frames it sends
// and receives (4-byte length, then the body), and the handshake proof of docs/protocol.md §3, written again here
// from the document (not imported from the runtime), so that these tests also check the document.
import { createHmac } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { waitFor } from '../../../../test/support/wait.ts';

/** A frame: a 4-byte big-endian length, then `payload` (an object is sent as JSON). */
export function frame(payload: Buffer | object): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** A raw client of a distribution port: the frames it received, and whether the node closed it. */
export interface Raw {
  socket: Socket;
  frames: Buffer[];
  closed: boolean;
  /** Sends one frame (nothing once the socket is gone). */
  send(payload: Buffer | object): void;
  /** The next frame not taken yet, or undefined once the connection closed without one (waiting up to `ms`). */
  next(ms?: number): Promise<Buffer | undefined>;
}

/** Connects to 127.0.0.1:`port` with Nagle off, as a node's own connections are (a second frame does not wait 40 ms for an ACK). */
export function dialRaw(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    let buf = Buffer.alloc(0);
    let taken = 0;
    const raw: Raw = {
      socket,
      frames: [],
      closed: false,
      send: (payload) => void (socket.destroyed || socket.write(frame(payload))),
      async next(ms = 30_000) {
        await waitFor('a frame or the close', () => raw.frames.length > taken || raw.closed, { ms });
        return raw.frames.length > taken ? raw.frames[taken++] : undefined;
      },
    };
    socket.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        raw.frames.push(buf.subarray(4, 4 + buf.readUInt32BE(0)));
        buf = buf.subarray(4 + buf.readUInt32BE(0));
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => (raw.closed = true));
    socket.once('connect', () => resolve(raw));
    socket.once('error', reject);
  });
}

/** A frame read as JSON ({} for none). */
export const json = (b: Buffer | undefined): Record<string, unknown> => (b ? (JSON.parse(b.toString()) as Record<string, unknown>) : {});

/** The proof of docs/protocol.md §3 that `direction`'s side sends, HMAC-SHA256 of the cookie over both names and both challenges. */
export function proofOf(cookie: string, direction: 'dialler' | 'listener', dialler: string, listener: string, listenerChallenge: string, diallerChallenge: string): string {
  const field = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length >>> 24, (b.length >>> 16) & 255, (b.length >>> 8) & 255, b.length & 255]), b]);
  const fields = ['otp-ts distribution handshake v3', direction, dialler, listener].map((s) => field(Buffer.from(s)));
  fields.push(field(Buffer.from(listenerChallenge, 'hex')), field(Buffer.from(diallerChallenge, 'hex')));
  return createHmac('sha256', cookie).update(Buffer.concat(fields)).digest('hex');
}
