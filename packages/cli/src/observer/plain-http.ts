// Plain HTTP sent to the observer's HTTPS port: TLS alone would drop the connection with no word (a browser shows
// "connection reset", curl "empty reply"), so the first bytes are looked at before TLS takes the connection, and a
// request in clear is answered, in clear, with one sentence saying to use https.
import type { Server, Socket } from 'node:net';

// How long an answered connection may take to finish sending its request before it is closed: the rest is read and
// discarded meanwhile, so that closing with unread bytes (a reset) does not make the client lose the answer.
const LINGER_MS = 1000;

// A TLS connection starts with a record's content type (22, a handshake); an HTTP request starts with its method, in
// capitals. Anything else is left to TLS, which refuses it as before.
const looksLikeHttp = (byte: number): boolean => byte >= 0x41 && byte <= 0x5a;

/**
 * Puts itself before `server`'s TLS: each connection's first bytes decide. A TLS client is handed to TLS with those
 * bytes; a plain HTTP one gets a 400 whose body is `{"error": sentence(port)}` and `said(address)` is called (the
 * operator's line). A connection that sends nothing within `firstByteMs` is closed, as TLS's handshake deadline did.
 * Returns the closing of the connections still waiting for their first bytes (which would hold the server's close).
 */
export function answerPlainHttp(server: Server, firstByteMs: number, sentence: () => string, said: (address: string) => void): () => void {
  const tls = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  const waiting = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    waiting.add(socket);
    // A reset before the first bytes must not reach Node as an 'error' no one takes (which would end the observer).
    socket.on('error', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), firstByteMs);
    timer.unref();
    const done = (): void => {
      clearTimeout(timer);
      waiting.delete(socket);
    };
    socket.once('close', done);
    socket.once('data', (chunk: Buffer) => {
      done();
      socket.removeListener('close', done);
      if (!looksLikeHttp(chunk[0]!)) {
        socket.pause();
        socket.unshift(chunk);
        for (const listener of tls) listener.call(server, socket);
        return;
      }
      said(socket.remoteAddress ?? '?');
      const body = JSON.stringify({ error: sentence() });
      socket.on('data', () => {});
      socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncache-control: no-store\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    });
  });
  return () => {
    for (const socket of waiting) socket.destroy();
  };
}
