import { randomBytes } from 'node:crypto';
import type { OtpNode } from '@otp-ts/runtime';

/** Tick time of test nodes: long enough for a busy 2-core CI machine, while a killed peer is noticed at once (its socket closes). */
export const PEER_TICK_MS = 10_000;

const starting = new WeakMap<OtpNode, Promise<void>>();

/** Makes the test's node distributed (a random name and cookie) unless it already is; its cookie is what peers get. */
export function ensureDistributed(node: OtpNode): Promise<void> {
  if (node.dist) return Promise.resolve();
  let p = starting.get(node);
  if (p === undefined) {
    const name = `test_${randomBytes(4).toString('hex')}@127.0.0.1`;
    p = node.startDistribution({ name, cookie: randomBytes(16).toString('hex'), tickTime: PEER_TICK_MS, log: (line) => process.stderr.write(`[${name}] ${line}\n`) });
    starting.set(node, p);
  }
  return p;
}
