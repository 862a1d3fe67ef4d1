import type { ConnectFailure } from '@otp-ts/runtime';
import { TracerError } from './errors.js';

const ADD_TLS = 'add --proto tls with --ssl-cert, --ssl-key and --ssl-ca';
const SAME_CA = "the cluster's CA";

// What a wrong-cookie refusal advises: where this tool's cookie came from, so a stale cookie file or project node.args
// is fixed where it lies, not only by adding a flag.
function cookieAdvice(from: string | undefined): string {
  const give = "give the node's cookie with --cookie or OTP_COOKIE";
  // Given with --cookie, it is the one typed: nothing to add.
  if (from === undefined || from === '--cookie') return give;
  if (from === 'OTP_COOKIE') return `this tool's came from OTP_COOKIE: ${give}`;
  return `this tool's came from ${from}: write the node's cookie there, or ${give}`;
}

/**
 * The one-line reason a tool could not connect to `node`, from its distribution's account of the failed
 * attempt (`node.dist.connectFailure`); `tls` says whether the tool itself spoke TLS.
 */
export function explainFailure(node: string, failure: ConnectFailure | undefined, tls: boolean, cookieFrom?: string): TracerError {
  const host = node.slice(node.indexOf('@') + 1);
  if (!failure) return new TracerError('unreachable', `${node} is known to the port mapper but did not answer (did it just stop?)`);
  switch (failure.reason) {
    case 'unknown':
      return new TracerError('unknownNode', `no node ${node} is running (the port mapper on ${host} does not know it)`);
    case 'cookie':
      return new TracerError('badCookie', `${node} refused the connection: wrong cookie (${cookieAdvice(cookieFrom)})`);
    case 'tls-mismatch':
      return tls
        ? new TracerError('badTls', `${node} does not speak TLS: leave out --proto tls (and OTP_PROTO=tls) to reach it`)
        : new TracerError('badTls', `${node} refused the connection: it speaks TLS and this tool does not (${ADD_TLS}, or OTP_PROTO=tls and OTP_SSL_*)`);
    case 'certificate-refused':
      return new TracerError('badTls', `${node} did not accept this tool's certificate: give --ssl-cert and --ssl-key signed by ${SAME_CA}`);
    case 'certificate-untrusted':
      return new TracerError('badTls', `${node}'s certificate is not signed by the CA of --ssl-ca${failure.code ? ` (${failure.code})` : ''}: give ${SAME_CA}`);
    default:
      return new TracerError('unreachable', `cannot connect to ${node}: ${failure.message.replace(/^distribution: /, '')}`);
  }
}
