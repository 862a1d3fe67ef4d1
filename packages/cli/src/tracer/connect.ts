import { connect, TracerError, type Connection } from '@otp-ts/tracer';
import { OtpError } from '../errors/otp-error.js';
import type { Io } from '../cli/io.js';
import { resolveCookie } from '../project/cookie.js';

/** The `--cookie` option of every command that talks to a node. */
export const cookieOption = { name: 'cookie', type: 'string', value: 'C', description: 'the cookie the nodes share (default: OTP_COOKIE, then ~/.otp-ts.cookie)' } as const;

/** A tracer failure as the CLI reports it: one line; bad input, a wrong cookie or an unknown node exit 2. */
export function toOtpError(error: unknown): unknown {
  if (!(error instanceof TracerError)) return error;
  return new OtpError(error.code === 'badCookie' ? 'badCookie' : error.isUsage ? 'usage' : 'failed', error.message, { cause: error });
}

/** Connects to a node with the cookie resolved as SPEC §4 says, runs `body`, and always disconnects. */
export async function withConnection<T>(io: Io, node: string, cookieFlag: string | undefined, body: (c: Connection) => Promise<T>): Promise<T> {
  const { cookie } = resolveCookie({ flag: cookieFlag, env: io.env, home: io.home });
  let c: Connection | undefined;
  try {
    c = await connect({ node, cookie, name: `otp_cli_${process.pid}@127.0.0.1` });
    return await body(c);
  } catch (error) {
    throw toOtpError(error);
  } finally {
    c?.close();
  }
}
