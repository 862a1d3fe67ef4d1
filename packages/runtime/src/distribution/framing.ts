import type { Socket } from 'node:net';

/** Frames larger than this are refused (and the connection closed) once a peer is authenticated, by default: 64 MiB. */
export const MAX_FRAME = 64 * 1024 * 1024;
/**
 * The smallest frame limit a node takes, its own (`maxFrameBytes`) or one a peer announces: 64 KiB. The
 * runtime's own messages (a call with its reply address, global's and pg's syncs, an rpc request) must cross
 * every connection; below it they would throw at their senders, so such a limit is refused instead.
 */
export const MIN_FRAME = 64 * 1024;
/** Handshake frames larger than this are refused before a peer is authenticated, by default: 4 KiB. */
export const MAX_HANDSHAKE_FRAME = 4 * 1024;

/**
 * Reads length-prefixed frames ([Length:32][payload]) from a socket and hands each to `onFrame`. Frames
 * are views into the chunk they arrived in; a frame split across chunks is joined once, when its last
 * byte arrived (not at every chunk, which would copy a large frame over and over). `onChunk` runs
 * for every chunk read, before its frames; `first` is a chunk read from the socket before the call.
 * `limit` is read at every frame header, so a connection can raise it once the peer is authenticated:
 * a longer frame is refused as soon as its header arrives, before any of it is held; `onError` gets the
 * first bytes of the refused frame too (see foreignProtocol). Returns a function telling how many bytes are held
 * of a frame not read whole yet (what a paused socket leaves in memory).
 */
export function readFrames(socket: Socket, onFrame: (frame: Buffer) => void, onError: (why: string, head: Buffer) => void, onChunk?: (chunk: Buffer) => void, first?: Buffer, limit: () => number = () => MAX_FRAME): () => number {
  let parts: Buffer[] = [];
  let size = 0;
  // Bytes needed before the next frame can be read: its header, then the whole frame.
  let need = 4;
  const onData = (chunk: Buffer): void => {
    onChunk?.(chunk);
    size += chunk.length;
    parts.push(chunk);
    if (size < need) return;
    let buf = parts.length === 1 ? chunk : Buffer.concat(parts, size);
    let at = 0;
    need = 4;
    while (buf.length - at >= 4) {
      const len = buf.readUInt32BE(at);
      const max = limit();
      if (len > max) {
        parts = [];
        size = 0;
        onError(`a frame of ${len} bytes is over the ${max}-byte limit`, buf.subarray(at, at + 16));
        return;
      }
      if (buf.length - at < 4 + len) {
        need = 4 + len;
        break;
      }
      onFrame(buf.subarray(at + 4, at + 4 + len));
      at += 4 + len;
      if (socket.destroyed) return;
    }
    buf = at === 0 ? buf : buf.subarray(at);
    parts = buf.length > 0 ? [buf] : [];
    size = buf.length;
  };
  socket.on('data', onData);
  if (first) onData(first);
  return () => size;
}

/** Writes one (small: handshake) frame in one write; returns false when the socket's buffer is full (backpressure). */
export function writeFrame(socket: Socket, payload: Buffer): boolean {
  const frame = Buffer.allocUnsafe(4 + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, 4);
  return socket.write(frame);
}

/** Writes (small: handshake) frames in one write, so they leave together. */
export function writeFrames(socket: Socket, payloads: readonly Buffer[]): boolean {
  const parts: Buffer[] = [];
  for (const p of payloads) {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(p.length, 0);
    parts.push(head, p);
  }
  return socket.write(Buffer.concat(parts));
}

const HTTP_METHOD = /^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|CONNECT|TRACE|PRI) /;

/**
 * What a peer speaks, from the first bytes where a frame header belongs, when that is no distribution
 * frame but another protocol a user may point at the port ("an HTTP request"), or undefined.
 */
export function foreignProtocol(head: Buffer): string | undefined {
  const text = head.toString('latin1');
  if (HTTP_METHOD.test(text)) return 'an HTTP request';
  if (text.startsWith('HTTP/')) return 'an HTTP response';
  if (head[0] === 0x16 && head[1] === 0x03) return 'a TLS handshake to a node without TLS';
  if (head.length >= 4 && /^[\x20-\x7e\r\n\t]{4,}$/.test(text)) return `text (${JSON.stringify(text)})`;
  return undefined;
}
