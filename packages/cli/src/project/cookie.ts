import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { OtpError } from '../errors/otp-error.js';

/** The cookie file's name in the home folder (~/.erlang.cookie's counterpart). */
export const COOKIE_FILE = '.otp-ts.cookie';

/** Where a node's cookie came from. */
export type CookieSource = 'flag' | 'env' | 'file' | 'created';

/** What resolveCookie needs; `home` is injectable so tests never touch the real home. */
export interface CookieOptions {
  /** The value of `--cookie`, if given. */
  flag?: string;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** The platform, for the permission check (skipped on Windows). */
  platform?: NodeJS.Platform;
}

/** A random cookie: 128 bits from the OS's CSPRNG as 32 hex digits (Erlang's 20 letters give only 94). */
export function randomCookie(): string {
  return randomBytes(16).toString('hex');
}

/** The node cookie: `--cookie`, else `OTP_COOKIE`, else `~/.otp-ts.cookie`, created with mode 0600 on first use. */
export function resolveCookie(options: CookieOptions): { cookie: string; source: CookieSource; file?: string } {
  if (options.flag !== undefined) {
    if (options.flag.trim() === '') throw new OtpError('badCookie', '--cookie is empty: give the secret the nodes share, or leave the flag out to use OTP_COOKIE or ~/' + COOKIE_FILE);
    return { cookie: options.flag, source: 'flag' };
  }
  const fromEnv = options.env.OTP_COOKIE;
  if (fromEnv !== undefined) {
    if (fromEnv.trim() === '') throw new OtpError('badCookie', 'OTP_COOKIE is set but empty: set it to the secret the nodes share, or unset it to use ~/' + COOKIE_FILE);
    return { cookie: fromEnv, source: 'env' };
  }
  const file = join(options.home, COOKIE_FILE);
  if (!existsSync(file)) {
    const cookie = randomCookie();
    try {
      writeFileSync(file, cookie, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new OtpError('badCookie', `cannot create the cookie file ${file}: ${(error as Error).message}`, { location: { file }, hint: 'Pass --cookie or set OTP_COOKIE instead.', cause: error });
      }
      return resolveCookie(options);
    }
    return { cookie, source: 'created', file };
  }
  const mode = statSync(file).mode & 0o777;
  if ((options.platform ?? process.platform) !== 'win32' && (mode & 0o077) !== 0) {
    throw new OtpError('badCookie', `the cookie file ${file} can be read by other users (mode ${mode.toString(8).padStart(4, '0')})`, { location: { file }, hint: `Run \`chmod 600 ${file}\`.` });
  }
  const cookie = readFileSync(file, 'utf8').trim();
  if (cookie === '') {
    throw new OtpError('badCookie', `the cookie file ${file} is empty`, { location: { file }, hint: `Write the nodes' shared secret into it, or delete it to have a new one created.` });
  }
  return { cookie, source: 'file', file };
}
