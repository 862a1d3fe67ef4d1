import { connect, type Socket } from 'node:net';
import { decodeNamesResp, decodePort2Resp, encodeAlive2, encodeKill, encodeNames, encodePortPlease, EPMD, type NodeEntry } from './epmd-protocol.js';

/** The default port mapper port, as EPMD's; `OTP_EPMD_PORT` (or ERL_EPMD_PORT) overrides it. */
export function epmdPort(): number {
  return Number(process.env.OTP_EPMD_PORT ?? process.env.ERL_EPMD_PORT ?? 4369);
}

/**
 * How long a port mapper may take to answer a request, by default: 7 s, OTP's net_setuptime. A port mapper
 * that accepts the connection and never answers (its process stopped, something else on its port) would
 * otherwise hold the request, and every connection set-up waiting on it, forever.
 */
export const EPMD_ANSWER_TIMEOUT_MS = 7000;

/** Why a port mapper request failed: it did not answer within the deadline. */
function silent(host: string, port: number, ms: number): Error {
  return new Error(`the port mapper at ${host}:${port} accepted the connection but sent no answer within ${ms} ms`);
}

// Closes `socket` and calls `fail` once `ms` pass before `clear` is called.
function deadline(socket: Socket, ms: number, fail: () => void): () => void {
  const timer = setTimeout(() => {
    socket.destroy();
    fail();
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

/** A node's registration: it lasts as long as this connection stays open. */
export interface Registration {
  creation: number;
  /** Deregisters (closes the registration connection). */
  close(): void;
}

function open(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const clear = deadline(socket, timeoutMs, () => reject(new Error(`the port mapper at ${host}:${port} did not accept a connection within ${timeoutMs} ms`)));
    const failed = (error: Error): void => {
      clear();
      reject(error);
    };
    socket.once('connect', () => {
      clear();
      socket.off('error', failed);
      resolve(socket);
    });
    socket.once('error', failed);
  });
}

// Sends a one-shot request and collects the whole answer until the port mapper closes the connection.
async function request(host: string, port: number, payload: Buffer, timeoutMs: number): Promise<Buffer> {
  const socket = await open(host, port, timeoutMs);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const clear = deadline(socket, timeoutMs, () => reject(silent(host, port, timeoutMs)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('error', reject);
    socket.once('close', () => {
      clear();
      resolve(Buffer.concat(chunks));
    });
    socket.write(payload);
  });
}

/** Registers a node with the port mapper; rejects if the name is taken, or if it does not answer within `timeoutMs`. */
export async function register(entry: NodeEntry, host = '127.0.0.1', port = epmdPort(), timeoutMs = EPMD_ANSWER_TIMEOUT_MS): Promise<Registration> {
  const socket = await open(host, port, timeoutMs);
  return new Promise((resolve, reject) => {
    let answer = Buffer.alloc(0);
    const clear = deadline(socket, timeoutMs, () => reject(silent(host, port, timeoutMs)));
    const onData = (c: Buffer): void => {
      answer = Buffer.concat([answer, c]);
      if (answer.length < 2) return;
      const size = answer[0] === EPMD.ALIVE2_X_RESP ? 6 : 4;
      if (answer.length < size) return;
      clear();
      socket.off('data', onData);
      if (answer[1] !== 0) {
        socket.destroy();
        reject(new Error(`the port mapper refused to register '${entry.name}': the name is taken by a running node`));
        return;
      }
      const creation = answer[0] === EPMD.ALIVE2_X_RESP ? answer.readUInt32BE(2) : answer.readUInt16BE(2);
      resolve({ creation, close: () => socket.destroy() });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(encodeAlive2(entry));
  });
}

// The length of a PORT2_RESP once enough of it arrived to tell, else undefined (docs/protocol.md §1).
function port2RespLength(b: Buffer): number | undefined {
  if (b.length >= 2 && b[1] !== 0) return 2;
  if (b.length < 12) return undefined;
  const nameEnd = 12 + b.readUInt16BE(10);
  return b.length < nameEnd + 2 ? undefined : nameEnd + 2 + b.readUInt16BE(nameEnd);
}

/** The port a node listens on, or undefined when it is not registered; rejects if the port mapper does not answer within `timeoutMs`. */
export async function lookup(name: string, host = '127.0.0.1', port = epmdPort(), timeoutMs = EPMD_ANSWER_TIMEOUT_MS): Promise<NodeEntry | undefined> {
  // The request is written while the socket connects (it leaves once connected, with no turn of the
  // event loop in between), and the answer is read as soon as it is complete, without waiting for the
  // port mapper to close: both waits are part of every connection set-up.
  const socket = connect({ host, port });
  let clear = (): void => {};
  const answer = await new Promise<Buffer>((resolve, reject) => {
    clear = deadline(socket, timeoutMs, () => reject(silent(host, port, timeoutMs)));
    let got = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      const n = port2RespLength(got);
      if (n !== undefined && got.length >= n) resolve(got.subarray(0, n));
    });
    socket.once('error', reject);
    socket.once('close', () => resolve(got));
    socket.write(encodePortPlease(name));
  }).finally(() => {
    clear();
    socket.destroy();
  });
  return answer.length === 0 ? undefined : decodePort2Resp(answer);
}

/** The nodes registered on a host; rejects if the port mapper does not answer within `timeoutMs`. */
export async function names(host = '127.0.0.1', port = epmdPort(), timeoutMs = EPMD_ANSWER_TIMEOUT_MS): Promise<Array<{ name: string; port: number }>> {
  return decodeNamesResp(await request(host, port, encodeNames(), timeoutMs));
}

/** Stops the port mapper (as `epmd -kill`); false when it refused because nodes are still registered. */
export async function killPortMapper(host = '127.0.0.1', port = epmdPort(), timeoutMs = EPMD_ANSWER_TIMEOUT_MS): Promise<boolean> {
  return (await request(host, port, encodeKill(), timeoutMs)).toString('latin1') === 'OK';
}
