import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/** The highest distribution protocol version this node speaks (docs/protocol.md). */
export const PROTOCOL_VERSION = 4;
/** The lowest version it still speaks: version 2's handshake could be relayed, so it is refused. */
export const LOWEST_VERSION = 3;
/** The first version whose pids and refs of other nodes carry their node's creation (docs/protocol.md §5). */
export const CREATION_VERSION = 4;

/** The longest node name accepted from the wire or in options, in bytes (Erlang's limit). */
export const MAX_NODE_NAME = 255;

/** The largest creation a node may announce: pids and refs carry it as 32 bits (docs/protocol.md §5). */
export const MAX_CREATION = 0xffffffff;

/** Which side of a connection a proof comes from: the node that dialled, or the one that listened. */
export type Direction = 'dialler' | 'listener';

/**
 * Handshake frames (JSON), dialler D to listener L: hello (D) and challenge (L) cross, proof (D) → proof
 * (L), or refused from either side. A hello with `resume` comes with a proof over the one-time challenge
 * (`next`) the listener's last proof gave; `retry` asks for a proof over the fresh challenge instead. A listener
 * that still holds a connection to an authenticated dialler whose hello says `alive` asks it `alive` (no
 * `replace`), and the dialler answers `alive` with `replace` (OTP's status `alive`). `v` is the highest version the sender speaks in a hello and the version
 * chosen in a challenge; `vmin` the lowest it speaks; `flags` the capabilities it offers; `frame` the largest frame it reads (its maxFrameBytes);
 * `creation` which incarnation of its node the sender is (a random number drawn at each start).
 */
export type HandshakeFrame =
  | { t: 'hello'; v: number; vmin: number; name: string; hidden: boolean; challenge: string; tick: number | undefined; flags: string[]; frame: number | undefined; creation: number | undefined; resume: boolean; alive: boolean }
  | { t: 'challenge'; v: number; vmin: number; name: string; challenge: string; tick: number | undefined; hidden: boolean; flags: string[]; frame: number | undefined; creation: number | undefined }
  | { t: 'proof'; digest: string; next: string | undefined }
  | { t: 'retry' }
  | { t: 'alive'; replace: boolean | undefined }
  | { t: 'refused'; reason: string };

/** The version two nodes speak: the highest both do, or undefined when their ranges do not meet. */
export function agreeVersion(peerHighest: number, peerLowest: number): number | undefined {
  const v = Math.min(peerHighest, PROTOCOL_VERSION);
  return v >= Math.max(peerLowest, LOWEST_VERSION) ? v : undefined;
}

/** The version range a handshake frame offers, for a log line: `3` or `3–4`. */
export function versionRange(v: number, vmin: number): string {
  return vmin !== v ? `${vmin}–${v}` : String(v);
}

// Random bytes for challenges, drawn from the CSPRNG 4 KiB at a time: one randomBytes call per challenge
// cost 20-40 µs on a loaded machine (a set-up takes three), a slice of the pool 2 µs. Challenges are sent
// in clear; what matters is that none repeats and none can be predicted, which the CSPRNG's output gives.
let pool = Buffer.alloc(0);
let poolAt = 0;

/** A fresh random challenge: 32 bytes, as 64 lowercase hex digits. */
export function challenge(): string {
  if (poolAt + 32 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  const hex = pool.toString('hex', poolAt, poolAt + 32);
  // Each slice is used once: zeroed, so the pool never holds a challenge already handed out.
  pool.fill(0, poolAt, poolAt + 32);
  poolAt += 32;
  return hex;
}

const CONTEXT = 'otp-ts distribution handshake v3';

// Each field as Len:32 then its bytes: no separator a name could contain, so no two tuples encode alike.
function encodeFields(fields: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields) {
    const bytes = typeof f === 'string' ? Buffer.from(f, 'utf8') : f;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    parts.push(len, bytes);
  }
  return Buffer.concat(parts);
}

/** What both proofs of one handshake cover: both challenges and both names, as the dialler and listener saw them. */
export interface Transcript {
  dialler: string;
  listener: string;
  diallerChallenge: string;
  listenerChallenge: string;
}

/**
 * The proof of the cookie one side sends: HMAC-SHA256 over both names, both challenges and the direction,
 * each field length-prefixed. A dialler's proof never verifies as a listener's, nor for other names.
 */
export function proof(cookie: string, direction: Direction, t: Transcript): string {
  return proofBytes(cookie, direction, t).toString('hex');
}

function proofBytes(cookie: string, direction: Direction, t: Transcript): Buffer {
  const body = encodeFields([CONTEXT, direction, t.dialler, t.listener, Buffer.from(t.listenerChallenge, 'hex'), Buffer.from(t.diallerChallenge, 'hex')]);
  return createHmac('sha256', keyOf(cookie)).update(body).digest();
}

// The cookie as an HMAC key, built once per cookie rather than at each proof (a node has one cookie).
let lastKey: { cookie: string; key: KeyObject } | undefined;
function keyOf(cookie: string): KeyObject {
  if (lastKey?.cookie !== cookie) lastKey = { cookie, key: createSecretKey(Buffer.from(cookie, 'utf8')) };
  return lastKey.key;
}

/** Checks a proof in constant time. */
export function verifyProof(cookie: string, direction: Direction, t: Transcript, digest: string): boolean {
  if (!isHex64(digest)) return false;
  return timingSafeEqual(proofBytes(cookie, direction, t), Buffer.from(digest, 'hex'));
}

function isHex64(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

const NAME_PART = /^[A-Za-z0-9_.-]+$/;
// A host: a DNS name, an IPv4 address, or an IPv6 address without brackets (::1).
const HOST_PART = /^[A-Za-z0-9_.:-]+$/;

/** Why `value` is not a node name (`name@host`, at most 255 bytes, letters, digits and `_.-`, `:` in the host), or undefined if it is one. */
export function nodeNameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'it is not a string';
  if (Buffer.byteLength(value, 'utf8') > MAX_NODE_NAME) return `it is longer than ${MAX_NODE_NAME} bytes`;
  const at = value.indexOf('@');
  if (at <= 0 || at === value.length - 1 || value.indexOf('@', at + 1) >= 0) return 'it is not name@host';
  if (!NAME_PART.test(value.slice(0, at))) return 'its name part may hold only letters, digits and _ . -';
  if (!HOST_PART.test(value.slice(at + 1))) return 'its host part may hold only letters, digits and _ . - :';
  return undefined;
}

/** True when `value` is a valid node name (see nodeNameProblem). */
export function isNodeName(value: unknown): value is string {
  return nodeNameProblem(value) === undefined;
}

/** A node name as `name@host`: the name part, and the host; throws one sentence for anything else. */
export function splitNodeName(full: string): { name: string; host: string } {
  const problem = nodeNameProblem(full);
  if (problem) throw new Error(`${quoteForLog(full)} is not a node name (${problem}): use name@host, e.g. shop@127.0.0.1`);
  const at = full.indexOf('@');
  return { name: full.slice(0, at), host: full.slice(at + 1) };
}

/**
 * A value from the wire, safe for one log line: quoted, control and non-ASCII characters escaped (so a
 * newline cannot forge a line), and cut to `max` characters.
 */
export function quoteForLog(value: unknown, max = 80): string {
  const s = typeof value === 'string' ? value : String(JSON.stringify(value) ?? typeof value);
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return `'${cut.replace(/[^\x20-\x7e]|['\\]/g, (c) => (c === "'" || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}'`;
}

function integer(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function flagsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((f): f is string => typeof f === 'string' && f.length <= 32).slice(0, 32) : [];
}

function tickOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

// The largest frame the peer reads, or its creation: a positive whole number, or undefined (a peer that does not say).
function frameOf(value: unknown): number | undefined {
  return integer(value) && value > 0 ? value : undefined;
}

// The fields hello and challenge share, checked; throws a sentence naming the first bad one.
function greeting(o: Record<string, unknown>, what: string): { v: number; vmin: number; name: string; challenge: string; hidden: boolean; tick: number | undefined; flags: string[]; frame: number | undefined; creation: number | undefined } {
  if (!integer(o.v)) throw new Error(`its ${what} has no protocol version`);
  const vmin = o.vmin === undefined ? o.v : o.vmin;
  if (!integer(vmin)) throw new Error(`its ${what} has a lowest protocol version that is not a number`);
  const problem = nodeNameProblem(o.name);
  if (problem) throw new Error(`its ${what} names no valid node (${quoteForLog(o.name)}: ${problem})`);
  if (!isHex64(o.challenge)) throw new Error(`its ${what} has no valid challenge (64 lowercase hex digits)`);
  // Pids and refs carry their node's creation as 32 bits on the wire: a larger one could not be written to other nodes.
  if (o.creation != null && !(integer(o.creation) && o.creation >= 1 && o.creation <= MAX_CREATION)) {
    throw new Error(`its ${what} as ${quoteForLog(o.name)} gives the creation ${quoteForLog(o.creation)}, which is no 32-bit number from 1 to ${MAX_CREATION}`);
  }
  return { v: o.v, vmin, name: o.name as string, challenge: o.challenge, hidden: o.hidden === true, tick: tickOf(o.tick), flags: flagsOf(o.flags), frame: frameOf(o.frame), creation: frameOf(o.creation) };
}

/** Parses and checks a handshake frame; throws a sentence (about "the peer's" frame) for anything else. */
export function parseHandshake(frame: Buffer): HandshakeFrame {
  let v: unknown;
  try {
    v = JSON.parse(frame.toString('utf8'));
  } catch {
    throw new Error('it sent a handshake frame that is not JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('it sent a handshake frame that is not an object');
  const o = v as Record<string, unknown>;
  switch (o.t) {
    case 'hello':
      return { t: 'hello', ...greeting(o, 'hello'), resume: o.resume === true, alive: o.alive === true };
    case 'challenge':
      return { t: 'challenge', ...greeting(o, 'challenge') };
    case 'proof':
      if (!isHex64(o.digest)) throw new Error('its proof is not 64 lowercase hex digits');
      return { t: 'proof', digest: o.digest, next: isHex64(o.next) ? o.next : undefined };
    case 'retry':
      return { t: 'retry' };
    case 'alive':
      return { t: 'alive', replace: typeof o.replace === 'boolean' ? o.replace : undefined };
    case 'refused':
      return { t: 'refused', reason: typeof o.reason === 'string' ? o.reason : 'unknown' };
    default:
      throw new Error(`it sent a handshake frame of unknown type ${quoteForLog(o.t)}`);
  }
}
