import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built peer program: beside the built entry, or the package's dist when running from sources. */
export function peerProgram(): string {
  // From src/peer/locate.ts (run as TypeScript) or from dist/index.js: told apart by this file's own name, never by a
  // folder on its path (a project under ~/src/ holds the package at …/src/shop/node_modules/@otp-ts/test-runner/dist/).
  const found = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../dist/peer.js' : './peer.js', import.meta.url));
  if (!existsSync(found)) throw new PeerError('missing', 'the peer program (dist/peer.js) of @otp-ts/test-runner is missing: run npm run build');
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
