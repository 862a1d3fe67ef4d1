import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { cookieOf, nodeNameOf } from '@otp-ts/release';
import { OtpError } from '../errors/otp-error.js';
import { CONFIG_FILE, loadConfig } from '../config/load.js';
import { findProject } from './find.js';

/** The cookie file's name in the home folder (~/.erlang.cookie's counterpart). */
export const COOKIE_FILE = '.otp-ts.cookie';

/** Where a node's cookie came from. */
export type CookieSource = 'flag' | 'env' | 'project' | 'file' | 'created';

/** What resolveCookie needs; `home` is injectable so tests never touch the real home. */
export interface CookieOptions {
  /** The value of `--cookie`, if given. */
  flag?: string;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** The platform, for the permission check (skipped on Windows). */
  platform?: NodeJS.Platform;
  /**
   * Where the command runs and the node it talks to: inside a project, the project's own cookie for that node comes before
   * ~/.otp-ts.cookie. `buildDir` is otp.config.ts's `build.outDir`, where the project's releases are (default `_build`).
   */
  project?: { cwd: string; target: string; buildDir?: string };
}

/** A random cookie: 128 bits from the OS's CSPRNG as 32 hex digits (Erlang's 20 letters give only 94). */
export function randomCookie(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The node cookie: `--cookie`, else `OTP_COOKIE`, else (given `project`, inside a project) the cookie config/node.args
 * sets, else the cookie of the project's newest built release whose node is the target, else `~/.otp-ts.cookie`,
 * created with mode 0600 on first use.
 */
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
  const fromProject = options.project ? projectCookieFile(options.project.cwd, options.project.target, options.project.buildDir ?? '_build') : undefined;
  if (fromProject !== undefined) return { cookie: fromProject.cookie, source: 'project', file: fromProject.file };
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
  // A folder in the file's place (mkdir's 0755) is no file to chmod: reading it names that, with its fix.
  const stat = statSync(file);
  const mode = stat.mode & 0o777;
  if (stat.isFile() && (options.platform ?? process.platform) !== 'win32' && (mode & 0o077) !== 0) {
    throw new OtpError('badCookie', `the cookie file ${file} can be read by other users (mode ${mode.toString(8).padStart(4, '0')})`, { location: { file }, hint: `Run \`chmod 600 ${file}\`.` });
  }
  const cookie = readCookieFile(file);
  if (cookie === '') {
    throw new OtpError('badCookie', `the cookie file ${file} is empty`, { location: { file }, hint: `Write the nodes' shared secret into it, or delete it to have a new one created.` });
  }
  return { cookie, source: 'file', file };
}

// The cookie file's text without the line break and spaces around it; one it cannot read (owned by another user, a
// folder) or a line break or control character inside the cookie (OTP's "Bad characters in cookie") is one sentence.
function readCookieFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new OtpError('badCookie', `cannot read the cookie file ${file} (${code})`, { location: { file }, hint: 'Make it a file your user can read (owned by you, chmod 600), or remove it to have a new one created; or pass --cookie or set OTP_COOKIE.', cause: error });
  }
  const cookie = text.trim();
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\x00-\x1f\x7f]/.test(cookie)) {
    throw new OtpError('badCookie', `the cookie file ${file} holds a line break or control character inside the cookie`, { location: { file }, hint: 'Write the cookie on one line, or delete the file to have a new one created.' });
  }
  return cookie;
}

/**
 * The cookie a project's own nodes use, seen from `cwd`: the one config/node.args sets, else the one of the newest
 * built release (`<buildDir>/<profile>/rel/<name>/releases/<vsn>/node.args`, buildDir `_build` unless otp.config.ts's
 * build.outDir says otherwise) whose node is `target`; undefined outside a project or when neither applies.
 */
export function projectCookie(cwd: string, target: string, buildDir = '_build'): string | undefined {
  return projectCookieFile(cwd, target, buildDir)?.cookie;
}

// projectCookie's cookie and the node.args file it was read from, which a wrong-cookie refusal names.
function projectCookieFile(cwd: string, target: string, buildDir: string): { cookie: string; file: string } | undefined {
  let root: string;
  try {
    root = findProject(cwd).root;
  } catch {
    return undefined;
  }
  const configured = readText(join(root, 'config', 'node.args'));
  const fromConfig = configured === undefined ? undefined : literal(cookieOf(configured));
  if (fromConfig !== undefined) return { cookie: fromConfig, file: join(root, 'config', 'node.args') };
  const wanted = fullName(target);
  let newest: { mtime: number; cookie: string; file: string } | undefined;
  for (const file of releaseNodeArgsFiles(resolve(root, buildDir))) {
    const text = readText(file);
    if (text === undefined) continue;
    const given = nodeNameOf(text);
    const name = given.name ?? given.sname;
    const cookie = literal(cookieOf(text));
    if (name === undefined || cookie === undefined || fullName(name) !== wanted) continue;
    const mtime = statSync(file).mtimeMs;
    if (!newest || mtime > newest.mtime) newest = { mtime, cookie, file };
  }
  return newest === undefined ? undefined : { cookie: newest.cookie, file: newest.file };
}

/**
 * Where the releases of the project around `cwd` are: otp.config.ts's `build.outDir`; undefined (the default `_build`)
 * outside a project, with no config file or none that loads (a tool talking to a node does not fail on the config).
 */
export async function projectBuildDir(cwd: string): Promise<string | undefined> {
  let root: string;
  try {
    root = findProject(cwd).root;
  } catch {
    return undefined;
  }
  if (!existsSync(join(root, CONFIG_FILE))) return undefined;
  try {
    return (await loadConfig(root)).config.build?.outDir;
  } catch {
    return undefined;
  }
}

// A cookie written as it is; `${VAR}` is the environment's at boot (OTP_COOKIE, read before), not one to use.
const literal = (cookie: string | undefined): string | undefined => (cookie === undefined || cookie.includes('${') ? undefined : cookie);

// name@host as distribution compares it; a bare name is on 127.0.0.1, as the tools' and releases' nodes are.
const fullName = (name: string): string => (name.includes('@') ? name : `${name}@127.0.0.1`);

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

// Every _build/<profile>/rel/<name>/releases/<vsn>/node.args there is.
function releaseNodeArgsFiles(build: string): string[] {
  const dirs = (dir: string): string[] => {
    try {
      return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
    } catch {
      return [];
    }
  };
  return dirs(build)
    .flatMap((profile) => dirs(join(profile, 'rel')))
    .flatMap((release) => dirs(join(release, 'releases')))
    .map((vsn) => join(vsn, 'node.args'))
    .filter((file) => existsSync(file));
}
