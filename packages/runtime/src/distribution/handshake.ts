import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The highest distribution protocol version this node speaks (docs/protocol.md). */
export const PROTOCOL_VERSION = 2;
/** The lowest version it still speaks: a peer whose range does not reach it is refused. */
export const LOWEST_VERSION = 2;

/**
 * Handshake frames (JSON): hello → welcome → ack, or refused. `v` is the highest version the sender
 * speaks in a hello and the version chosen in a welcome; `vmin` the lowest it speaks (absent: `v`);
 * `flags` the capabilities it offers (absent: none).
 */
export type HandshakeFrame =
  | { t: 'hello'; v: number; vmin?: number; name: string; hidden: boolean; challenge: string; tick?: number; flags?: string[] }
  | { t: 'welcome'; v: number; vmin?: number; name: string; challenge: string; digest: string; tick?: number; hidden?: boolean; flags?: string[] }
  | { t: 'ack'; digest: string }
  | { t: 'refused'; reason: string };

/** The version two nodes speak: the highest both do, or undefined when their ranges do not meet. */
export function agreeVersion(peerHighest: unknown, peerLowest: unknown): number | undefined {
  if (typeof peerHighest !== 'number' || !Number.isInteger(peerHighest)) return undefined;
  const low = typeof peerLowest === 'number' && Number.isInteger(peerLowest) ? peerLowest : peerHighest;
  const v = Math.min(peerHighest, PROTOCOL_VERSION);
  return v >= Math.max(low, LOWEST_VERSION) ? v : undefined;
}

/** The capabilities in a handshake frame's `flags`: strings only, anything else ignored. */
export function flagsOf(value: unknown): Set<string> {
  return new Set(Array.isArray(value) ? value.filter((f): f is string => typeof f === 'string') : []);
}

/** The version range a handshake frame offers, for a log line: `2` or `2–3`. */
export function versionRange(v: unknown, vmin: unknown): string {
  return typeof vmin === 'number' && vmin !== v ? `${vmin}–${String(v)}` : String(v);
}

/** A fresh random challenge. */
export function challenge(): string {
  return randomBytes(32).toString('hex');
}

/** The proof of the cookie for a challenge, bound to the name of the node that proves it (no reflection). */
export function digest(cookie: string, challengeHex: string, provingNode: string): string {
  return createHmac('sha256', cookie).update(`${challengeHex}|${provingNode}`).digest('hex');
}

/** Checks a proof in constant time. */
export function verify(cookie: string, challengeHex: string, provingNode: string, proof: unknown): boolean {
  if (typeof proof !== 'string' || proof.length !== 64) return false;
  return timingSafeEqual(Buffer.from(digest(cookie, challengeHex, provingNode), 'hex'), Buffer.from(proof, 'hex'));
}

/** Parses a handshake frame; throws a sentence for anything else. */
export function parseHandshake(frame: Buffer): HandshakeFrame {
  let v: unknown;
  try {
    v = JSON.parse(frame.toString('utf8'));
  } catch {
    throw new Error('the peer sent a handshake frame that is not JSON');
  }
  if (v === null || typeof v !== 'object' || typeof (v as { t?: unknown }).t !== 'string') throw new Error('the peer sent a handshake frame without a type');
  return v as HandshakeFrame;
}

/** A node name as `name@host`: the name part, and the host. */
export function splitNodeName(full: string): { name: string; host: string } {
  const at = full.indexOf('@');
  if (at <= 0 || at === full.length - 1 || !/^[\w.-]+$/.test(full.slice(0, at))) throw new Error(`'${full}' is not a node name: use name@host, e.g. shop@127.0.0.1`);
  return { name: full.slice(0, at), host: full.slice(at + 1) };
}
