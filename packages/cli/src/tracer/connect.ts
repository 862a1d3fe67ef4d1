import { connect, notANodeName, TracerError, type Connection } from '@otp-ts/tracer';
import { nodeNameProblem } from '@otp-ts/runtime/tools';
import { OtpError } from '../errors/otp-error.js';
import type { Io } from '../cli/io.js';
import { resolveNodeConnection, toolNodeName, type NodeConnectionFlags } from '../project/node-connection.js';
import { projectBuildDir } from '../project/cookie.js';

/** A tracer failure as the CLI reports it: one line; bad input, a wrong cookie, a TLS mismatch or an unknown node exit 2. */
export function toOtpError(error: unknown): unknown {
  if (!(error instanceof TracerError)) return error;
  return new OtpError(error.code === 'badCookie' ? 'badCookie' : error.isUsage ? 'usage' : 'failed', error.message, { cause: error });
}

/** The flags of a command that talks to a node: the connection's, and the tool node's own name (trace's --name is a process filter, so unknown). */
type ToolFlags = NodeConnectionFlags & { name?: unknown; sname?: string };

/** The one check of every command's node argument: not name@host is bad usage (exit 2), the name escaped, before any connection. */
export function checkNodeName(node: string): void {
  const why = nodeNameError(node);
  if (why !== undefined) throw new OtpError('usage', why);
}

/** Why `node` is not a node name, in the one sentence every command (and the observer's switch) says it, or undefined if it is one. */
export function nodeNameError(node: string): string | undefined {
  const problem = nodeNameProblem(node);
  return problem === undefined ? undefined : notANodeName(node, problem);
}

/** Connects to a node with the cookie and TLS settings the flags and environment give; throws TracerError when it cannot. */
export async function connectTo(io: Io, node: string, flags: ToolFlags): Promise<Connection> {
  checkNodeName(node);
  // Only when the project's release may give the cookie: its releases are under otp.config.ts's build.outDir.
  const buildDir = flags.cookie === undefined && io.env.OTP_COOKIE === undefined ? await projectBuildDir(io.cwd) : undefined;
  const { cookie, cookieFrom, tls } = resolveNodeConnection(flags, io, node, buildDir);
  return connect({ node, cookie, cookieFrom, name: toolNodeName(flags), ...(tls ? { tls } : {}) }).catch((error: unknown) => {
    throw withCookieHint(error, cookie, flags.cookie !== undefined ? '--cookie' : io.env.OTP_COOKIE !== undefined ? 'OTP_COOKIE' : 'the cookie');
  });
}

// A wrong-cookie refusal with a cookie ending in whitespace (OTP_COOKIE from a file or a Kubernetes secret, newline
// and all): the cookie is used as given, as the node uses its own, so the refusal says what is likely wrong.
function withCookieHint(error: unknown, cookie: string, from: string): unknown {
  if (!(error instanceof TracerError) || error.code !== 'badCookie' || cookie === cookie.trimEnd()) return error;
  const tail = JSON.stringify(cookie.slice(cookie.trimEnd().length));
  return new TracerError('badCookie', `${error.message}; the cookie from ${from} ends in whitespace (${tail}), which is part of it: if the node's cookie has none, remove it (e.g. OTP_COOKIE="$(cat cookie-file)")`, error.suggestions, { cause: error });
}

/** Connects to a node as connectTo does, runs `body`, and always disconnects; failures become OtpErrors. */
export async function withConnection<T>(io: Io, node: string, flags: ToolFlags, body: (c: Connection) => Promise<T>): Promise<T> {
  let c: Connection | undefined;
  try {
    c = await connectTo(io, node, flags);
    return await body(c);
  } catch (error) {
    throw toOtpError(error);
  } finally {
    c?.close();
  }
}
