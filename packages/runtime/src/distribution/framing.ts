import type { Socket } from 'node:net';

/** Frames larger than this are refused (and the connection closed): 64 MiB. */
export const MAX_FRAME = 64 * 1024 * 1024;

/** Reads length-prefixed frames ([Length:32][payload]) from a socket and hands each to `onFrame`. */
export function readFrames(socket: Socket, onFrame: (frame: Buffer) => void, onError: (why: string) => void): void {
  let chunks: Buffer[] = [];
  let size = 0;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    let buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0);
      if (len > MAX_FRAME) {
        onError(`a frame of ${len} bytes is over the ${MAX_FRAME}-byte limit`);
        return;
      }
      if (buf.length < 4 + len) break;
      const frame = buf.subarray(4, 4 + len);
      buf = buf.subarray(4 + len);
      onFrame(frame);
      if (socket.destroyed) return;
    }
    chunks = buf.length > 0 ? [buf] : [];
    size = buf.length;
  });
}

/** Writes one frame; returns false when the socket's buffer is full (backpressure). */
export function writeFrame(socket: Socket, payload: Buffer): boolean {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(payload.length, 0);
  socket.cork();
  socket.write(head);
  const ok = socket.write(payload);
  socket.uncork();
  return ok;
}
