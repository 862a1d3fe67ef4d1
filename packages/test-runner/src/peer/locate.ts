import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built peer program: beside the built entry, or the package's dist when running from sources. */
export function peerProgram(): string {
  const candidates = [new URL('./peer.js', import.meta.url), new URL('../../dist/peer.js', import.meta.url)].map((u) => fileURLToPath(u));
  const found = candidates.find((p) => existsSync(p) && !p.includes('/src/'));
  if (found === undefined) throw new PeerError('missing', 'the peer program (dist/peer.js) of @otp-ts/test-runner is missing: run npm run build');
  return found;
}

/** Why a peer could not start or answer: `missing` program, `boot` failure, `timeout`, or `exited`. */
export class PeerError extends Error {
  constructor(
    readonly code: 'missing' | 'boot' | 'timeout' | 'exited',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PeerError';
  }
}
