import { clearTimeout, setTimeout } from 'node:timers';
import { connect, type Socket } from 'node:net';
import { decodeNamesResp, decodePort2Resp, encodeAlive2, encodeKill, encodeNames, encodePortPlease, EPMD, type NodeEntry } from './epmd-protocol.js';

/** A variable of the environment holds a value the runtime cannot use (the message names it, its value and the fix). */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/**
 * The default port mapper port, as EPMD's; `OTP_EPMD_PORT` (or ERL_EPMD_PORT) overrides it. A variable set
 * but empty counts as unset; one that is not a port (1 to 65535) throws an EnvironmentError naming it.
 */
export function epmdPort(env: NodeJS.ProcessEnv = process.env): number {
  for (const variable of ['OTP_EPMD_PORT', 'ERL_EPMD_PORT']) {
    const text = env[variable]?.trim();
    if (text === undefined || text === '') continue;
    const port = Number(text);
    if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
      throw new EnvironmentError(`${variable} is '${env[variable]}', which is not a port: set it to a whole number from 1 to 65535, or unset it for the default 4369`);
    }
    return port;
  }
  return 4369;
}

/** A port mapper that is there but does not do its part (silent, slow to accept, speaking another protocol): the message names it and the fix. */
export class PortMapperError extends Error {
  override readonly name = 'PortMapperError';
}

/**
 * How long a port mapper may take to answer a request, by default: 7 s, OTP's net_setuptime. A port mapper
 * that accepts the connection and never answers (its process stopped, something else on its port) would
 * otherwise hold the request, and every connection set-up waiting on it, forever.
 */
export const EPMD_ANSWER_TIMEOUT_MS = 7000;

// The longest wait OTP_EPMD_TIMEOUT may ask for: an hour (a timer's own bound is under 25 days).
const MAX_EPMD_ANSWER_TIMEOUT_MS = 3_600_000;

/**
 * How long a port mapper may take to answer a request: `OTP_EPMD_TIMEOUT` (ms), else EPMD_ANSWER_TIMEOUT_MS. A
 * variable set but empty counts as unset; one that is not a whole number from 1 to 3600000 throws an EnvironmentError naming it.
 */
export function epmdAnswerTimeout(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.OTP_EPMD_TIMEOUT?.trim();
  if (text === undefined || text === '') return EPMD_ANSWER_TIMEOUT_MS;
  const ms = Number(text);
  if (!/^\d+$/.test(text) || ms < 1 || ms > MAX_EPMD_ANSWER_TIMEOUT_MS) {
    throw new EnvironmentError(`OTP_EPMD_TIMEOUT is '${env.OTP_EPMD_TIMEOUT}', which is not a wait in milliseconds: set it to a whole number from 1 to ${MAX_EPMD_ANSWER_TIMEOUT_MS}, or unset it for the default ${EPMD_ANSWER_TIMEOUT_MS}`);
  }
  return ms;
}

/**
 * The most a NAMES or KILL answer may take: EPMD's is a few lines (a line a node, under 300 bytes each even for the
 * longest names; 1024 nodes take under 300 KiB). Something that sends more is not a port mapper and is cut off.
 */
export const MAX_EPMD_ANSWER = 1024 * 1024;

// What to do when something else answers on the port mapper's port.
function fix(port: number): string {
  return `another program may be listening on port ${port}: stop it, or set OTP_EPMD_PORT to the port mapper's port`;
}

/** Why a port mapper request failed: what answered does not speak EPMD's protocol. */
function foreign(host: string, port: number, request: string, answer: Buffer): Error {
  const first = [...answer.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return new PortMapperError(`the port mapper at ${host}:${port} answered ${request} with something that is not EPMD's protocol (${answer.length === 0 ? 'nothing' : `first bytes ${first}`}); ${fix(port)}`);
}

/** Why a port mapper request failed: it did not answer within the deadline. */
function silent(host: string, port: number, ms: number): Error {
  return new PortMapperError(`the port mapper at ${host}:${port} accepted the connection but sent no answer within ${ms} ms; it may be hung, or ${fix(port)}`);
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
  /** Resolves, saying why, when the port mapper ends the registration (it stopped or restarted); never after `close`. */
  lost: Promise<string>;
  /** Deregisters (closes the registration connection). */
  close(): void;
}

function open(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const clear = deadline(socket, timeoutMs, () => reject(new PortMapperError(`the port mapper at ${host}:${port} did not accept a connection within ${timeoutMs} ms; ${fix(port)}`)));
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

// Sends a one-shot request and collects the whole answer until the port mapper closes the connection; an answer
// over MAX_EPMD_ANSWER is cut off at once (an endless one would otherwise fill the memory until the deadline).
async function request(host: string, port: number, payload: Buffer, what: string, timeoutMs: number): Promise<Buffer> {
  const socket = await open(host, port, timeoutMs);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const clear = deadline(socket, timeoutMs, () => reject(size > 0 ? new PortMapperError(`the port mapper at ${host}:${port} did not finish its answer to ${what} within ${timeoutMs} ms (${size} bytes came); ${fix(port)}`) : silent(host, port, timeoutMs)));
    socket.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_EPMD_ANSWER) return void chunks.push(c);
      clear();
      socket.destroy();
      reject(new PortMapperError(`the port mapper at ${host}:${port} sent more than ${MAX_EPMD_ANSWER} bytes in answer to ${what}, where EPMD's answer is a few lines; ${fix(port)}`));
    });
    socket.once('error', reject);
    socket.once('close', () => {
      clear();
      resolve(Buffer.concat(chunks));
    });
    socket.write(payload);
  });
}

/** Registers a node with the port mapper; rejects if the name is taken, or if it does not answer within `timeoutMs`. */
export async function register(entry: NodeEntry, host = '127.0.0.1', port = epmdPort(), timeoutMs = epmdAnswerTimeout()): Promise<Registration> {
  const socket = await open(host, port, timeoutMs);
  return new Promise((resolve, reject) => {
    let answer = Buffer.alloc(0);
    const clear = deadline(socket, timeoutMs, () => reject(silent(host, port, timeoutMs)));
    const onData = (c: Buffer): void => {
      answer = Buffer.concat([answer, c]);
      if (answer.length < 2) return;
      const size = answer[0] === EPMD.ALIVE2_X_RESP ? 6 : 4;
      if (answer.length < size && (answer[0] === EPMD.ALIVE2_X_RESP || answer[0] === EPMD.ALIVE2_RESP)) return;
      clear();
      socket.off('data', onData);
      if (answer[0] !== EPMD.ALIVE2_X_RESP && answer[0] !== EPMD.ALIVE2_RESP) {
        socket.destroy();
        reject(foreign(host, port, 'ALIVE2', answer));
        return;
      }
      if (answer[1] !== 0) {
        socket.destroy();
        void refusal(entry, host, port, timeoutMs).then(reject);
        return;
      }
      const creation = answer[0] === EPMD.ALIVE2_X_RESP ? answer.readUInt32BE(2) : answer.readUInt16BE(2);
      resolve(held(socket, creation));
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(encodeAlive2(entry));
  });
}

// The registration that `socket` holds: lost, saying why, when the connection ends other than by its close.
function held(socket: Socket, creation: number): Registration {
  let closing = false;
  let error: string | undefined;
  socket.on('error', (e) => (error = e.message));
  const lost = new Promise<string>((resolve) => {
    socket.once('close', () => {
      if (!closing) resolve(error === undefined ? 'it closed the connection' : `the connection failed: ${error}`);
    });
  });
  return {
    creation,
    lost,
    close: () => {
      closing = true;
      socket.destroy();
    },
  };
}

/**
 * How long explaining a refused registration may take, at most: the port mapper has just answered, so its answers
 * to a lookup and a NAMES come at once. One that goes silent after refusing must not hold the node's start.
 */
export const REFUSAL_EXPLAIN_MS = 2000;

/**
 * Why the port mapper refused a registration, with the fix: EPMD's answer only says it refused, so the name is looked
 * up: a node holds it, or the port mapper is full (it takes no more nodes). Both questions share REFUSAL_EXPLAIN_MS.
 */
async function refusal(entry: NodeEntry, host: string, port: number, timeoutMs: number): Promise<Error> {
  const until = Date.now() + Math.min(timeoutMs, REFUSAL_EXPLAIN_MS);
  const left = (): number => Math.max(1, until - Date.now());
  let holder: NodeEntry | undefined;
  try {
    holder = await lookup(entry.name, host, port, left());
  } catch (error) {
    const message = (error as Error).message;
    const why = /no answer within/.test(message) ? `did not answer a lookup of that name within ${Math.min(timeoutMs, REFUSAL_EXPLAIN_MS)} ms` : /closed the connection without answering/.test(message) ? 'closed the connection without answering a lookup of that name' : 'answered a lookup of that name with something that is not EPMD\'s protocol';
    return new PortMapperError(`the port mapper at ${host}:${port} refused to register '${entry.name}', then ${why}: it may be hung, or not a port mapper; stop what listens on port ${port} (and the node named '${entry.name}', if one runs), or set OTP_EPMD_PORT to a working port mapper's port`);
  }
  if (holder !== undefined) {
    return new Error(`the port mapper refused to register '${entry.name}': the name is taken by a running node (listening on port ${holder.port}); stop that node, or give this one another name (--sname or --name)`);
  }
  const count = await names(host, port, left()).then((n) => `${n.length} node${n.length === 1 ? '' : 's'}`, () => 'its nodes');
  return new PortMapperError(`the port mapper at ${host}:${port} refused to register '${entry.name}', a name no node holds: it is full (${count} registered); stop the nodes this host no longer needs, or set OTP_EPMD_PORT to a free port so that this node starts a port mapper of its own`);
}

// The length of a PORT2_RESP once enough of it arrived to tell, else undefined (docs/protocol.md §1).
function port2RespLength(b: Buffer): number | undefined {
  if (b.length >= 2 && b[1] !== 0) return 2;
  if (b.length < 12) return undefined;
  const nameEnd = 12 + b.readUInt16BE(10);
  return b.length < nameEnd + 2 ? undefined : nameEnd + 2 + b.readUInt16BE(nameEnd);
}

/** The port a node listens on, or undefined when it is not registered; rejects if the port mapper closes without answering or does not answer within `timeoutMs`. */
export async function lookup(name: string, host = '127.0.0.1', port = epmdPort(), timeoutMs = epmdAnswerTimeout()): Promise<NodeEntry | undefined> {
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
  // EPMD answers an unknown name with a PORT2_RESP saying so: a close with no answer is no "not registered".
  if (answer.length === 0) throw new PortMapperError(`the port mapper at ${host}:${port} closed the connection without answering a lookup of '${name}'; ${fix(port)}`);
  try {
    return decodePort2Resp(answer);
  } catch {
    throw foreign(host, port, 'PORT_PLEASE2', answer);
  }
}

/** The nodes registered on a host; rejects if the port mapper does not answer within `timeoutMs`. */
export async function names(host = '127.0.0.1', port = epmdPort(), timeoutMs = epmdAnswerTimeout()): Promise<Array<{ name: string; port: number }>> {
  const answer = await request(host, port, encodeNames(), 'NAMES', timeoutMs);
  const listed = decodeNamesResp(answer);
  if (listed === undefined) throw foreign(host, port, 'NAMES', answer);
  return listed;
}

/** Stops the port mapper (as `epmd -kill`); false when it refused because nodes are still registered. */
export async function killPortMapper(host = '127.0.0.1', port = epmdPort(), timeoutMs = epmdAnswerTimeout()): Promise<boolean> {
  return (await request(host, port, encodeKill(), 'KILL', timeoutMs)).toString('latin1') === 'OK';
}
