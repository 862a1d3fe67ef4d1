import { portMapperLookup } from '@otp-ts/runtime';
import { TracerError } from './errors.js';

const ADD_TLS = 'add --proto tls with --ssl-cert, --ssl-key and --ssl-ca';
const SAME_CA = "the cluster's CA";

/**
 * Why a tool could not connect to `node`: unknown to its host's port mapper, or refused, with the reason
 * the tool node's distribution logged (`log`: its lines, collected while it tried).
 */
export async function whyUnreachable(node: string, log: readonly string[]): Promise<TracerError> {
  const at = node.indexOf('@');
  const host = node.slice(at + 1);
  const entry = await portMapperLookup(node.slice(0, at), host).catch(() => undefined);
  if (!entry) return new TracerError('unknownNode', `no node ${node} is running (the port mapper on ${host} does not know it)`);
  return explainRefusal(node, log);
}

/** The one-line reason a node the port mapper knows refused this tool, from the tool node's distribution log lines. */
export function explainRefusal(node: string, log: readonly string[]): TracerError {
  const text = log.join('\n');
  if (/wrong cookie/.test(text)) return new TracerError('badCookie', `${node} refused the connection: wrong cookie (give the node's cookie with --cookie or OTP_COOKIE)`);
  if (/it speaks TLS and this node does not/.test(text)) return new TracerError('badTls', `${node} refused the connection: it speaks TLS and this tool does not (${ADD_TLS}, or OTP_PROTO=tls and OTP_SSL_*)`);
  if (/it does not speak TLS|does it speak TLS\?/.test(text)) return new TracerError('badTls', `${node} does not speak TLS: leave out --proto tls (and OTP_PROTO=tls) to reach it`);
  if (/did not accept this node's certificate/.test(text)) return new TracerError('badTls', `${node} did not accept this tool's certificate: give --ssl-cert and --ssl-key signed by ${SAME_CA}`);
  const untrusted = /its certificate is not signed by this node's CA(?: \(([\w_]+)\))?/.exec(text);
  if (untrusted) return new TracerError('badTls', `${node}'s certificate is not signed by the CA of --ssl-ca${untrusted[1] ? ` (${untrusted[1]})` : ''}: give ${SAME_CA}`);
  const last = log.at(-1);
  if (last !== undefined) return new TracerError('unreachable', `cannot connect to ${node}: ${last.replace(/^distribution: /, '')}`);
  return new TracerError('unreachable', `${node} is known to the port mapper but did not answer (did it just stop?)`);
}
