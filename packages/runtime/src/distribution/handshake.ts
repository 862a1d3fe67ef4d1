import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The distribution protocol version this node speaks (docs/protocol.md). */
export const PROTOCOL_VERSION = 2;

/** Handshake frames (JSON): hello → welcome → ack, or refused. */
export type HandshakeFrame =
  | { t: 'hello'; v: number; name: string; hidden: boolean; challenge: string; tick?: number }
  | { t: 'welcome'; v: number; name: string; challenge: string; digest: string; tick?: number; hidden?: boolean }
  | { t: 'ack'; digest: string }
  | { t: 'refused'; reason: string };

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
