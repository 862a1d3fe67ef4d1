import { randomBytes } from 'node:crypto';
import { parseNodeArgs, ReleaseConfigError } from '@otp-ts/runtime/tools';
import { ReleaseError } from '../errors.js';
import { didYouMean } from '../command/suggest.js';
import { refusedNodeFlag } from '../node-flags.js';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Parses config/sys.config.json (pure): a JSON object of per-application objects, else a ReleaseError naming the file and key; no file is `{}`. */
export function parseSysConfig(text: string | undefined, file: string): Record<string, Record<string, unknown>> {
  if (text === undefined) return {};
  if (text.trim() === '') throw new ReleaseError('badSysConfig', `${file} is empty: write {} when no application needs settings, or an object like { "shop": { "port": 8080 } }`, { file });
  let value: unknown;
  try {
    value = JSON.parse(text.replace(BOM, ''));
  } catch (error) {
    // Where the parse stopped, as line and column: the position JSON.parse names is no help to an editor.
    const at = /at position (\d+)/.exec((error as Error).message);
    const before = at ? text.replace(BOM, '').slice(0, Number(at[1])).split('\n') : undefined;
    const where = before ? ` at line ${before.length}, column ${before.at(-1)!.length + 1}` : '';
    throw new ReleaseError('badSysConfig', `${file} is not valid JSON${where} (${(error as Error).message}): fix it, it must be an object like { "shop": { "port": 8080 } }`, { file, cause: error });
  }
  if (!isObject(value)) throw new ReleaseError('badSysConfig', `${file} must be a JSON object of applications, like { "shop": { "port": 8080 } }, got ${JSON.stringify(value)}`, { file });
  for (const [key, env] of Object.entries(value)) {
    if (!isObject(env)) throw new ReleaseError('badSysConfig', `${file}: '${key}' must be an object of settings for application ${key}, like { "port": 8080 }, got ${JSON.stringify(env)}`, { file });
  }
  return value as Record<string, Record<string, unknown>>;
}

// ` (did you mean 'my_app'?)` for an application written in other capitals (`My_App`) or by its npm package name
// (`@acme/my-app`, `my-app`), which is not its application name.
function sameLetters(key: string, apps: readonly string[]): string | undefined {
  const plain = key.replace(/^@[^/]+\//, '').replace(/-/g, '_').toLowerCase();
  const meant = apps.find((a) => a.toLowerCase() === plain);
  return meant === undefined ? undefined : ` (did you mean '${meant}'?)`;
}

/**
 * Refuses (ReleaseError 'unknownApp') a key of sys.config-style settings that names no application of the project,
 * a typo (`myap` for `myapp`) that would otherwise leave that application on its defaults; `where` names the file.
 */
export function checkConfigApps(config: Record<string, unknown>, apps: readonly string[], where: { file: string; what: string }): void {
  for (const key of Object.keys(config)) {
    if (apps.includes(key)) continue;
    throw new ReleaseError(
      'unknownApp',
      `${where.what} has settings for application '${key}', which the project does not have${sameLetters(key, apps) ?? didYouMean(key, apps)}: rename or remove that key (the project's applications: ${apps.join(', ') || 'none'})`,
      { file: where.file },
    );
  }
}

/**
 * Checks config/node.args as the node reads it at boot, its Node.js flags asked of Node.js, so a release that could not
 * boot is not built; a `${VAR}` unset here may be set where the node boots, so only that is let through (as unpack does).
 */
export function checkNodeArgs(text: string | undefined, file: string): void {
  if (text === undefined) return;
  let flags: readonly string[] = [];
  try {
    flags = parseNodeArgs(text, process.env, file).nodeFlags;
  } catch (error) {
    if (error instanceof ReleaseConfigError && !/ is not set: export /.test(error.message)) throw new ReleaseError('badNodeArgs', error.message, { file, cause: error });
    if (!(error instanceof ReleaseConfigError)) throw error;
  }
  // The Node.js flags, asked of Node.js as the start script asks at boot: one it refuses would stop every boot.
  const refused = refusedNodeFlag(flags);
  if (refused !== undefined) throw new ReleaseError('badNodeArgs', `${file} has a Node.js flag Node.js will not start with, ${refused.flag} (${refused.why}), so the release was not built: fix or remove it there`, { file });
}

// node.args words as the node reads them: whitespace separates, quotes group, `#` starts a comment.
function tokens(text: string): string[] {
  return text.split('\n').flatMap((line) => [...line.replace(/(^|\s)#.*$/, '').matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!));
}

// The value of the first of `flags` (written with one dash or two, `--flag value` or `--flag=value`).
function flagValue(words: string[], flags: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const eq = w.indexOf('=');
    const flag = (eq === -1 ? w : w.slice(0, eq)).replace(/^-+/, '-');
    if (flags.includes(flag)) return eq === -1 ? words[i + 1] : w.slice(eq + 1);
  }
  return undefined;
}

/** The cookie a node.args text sets (`--setcookie C` or `--cookie C`), if any. */
export function cookieOf(nodeArgs: string): string | undefined {
  return flagValue(tokens(nodeArgs), ['-setcookie', '-cookie']);
}

/** The node name a node.args text gives (`--name N` or `--sname N`, as written), if any: what a release and `otp shell` name their node. */
export function nodeNameOf(nodeArgs: string): { name?: string; sname?: string } {
  const words = tokens(nodeArgs);
  const name = flagValue(words, ['-name']);
  const sname = flagValue(words, ['-sname']);
  return { ...(name !== undefined ? { name } : {}), ...(sname !== undefined ? { sname } : {}) };
}

/** A random cookie: 128 bits from the OS's CSPRNG as 32 hex digits (Erlang's 20 letters give only 94). */
export function randomCookie(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The node.args of a release version (pure): the project's lines, plus `--setcookie` (the earlier
 * version's cookie, else `fresh`) and `--name <release>@127.0.0.1` when they are not set.
 */
export function releaseNodeArgs(text: string | undefined, release: string, cookies: { earlier?: string; fresh: string }): { text: string; cookieSource: 'node.args' | 'earlier' | 'generated' } {
  const lines = (text ?? '').replace(BOM, '').split('\n').map((l) => l.trimEnd()).filter((l, i, all) => l !== '' || i < all.length - 1);
  const words = tokens(text ?? '');
  let cookieSource: 'node.args' | 'earlier' | 'generated' = 'node.args';
  if (flagValue(words, ['-setcookie', '-cookie']) === undefined) {
    cookieSource = cookies.earlier ? 'earlier' : 'generated';
    lines.push(`--setcookie ${cookies.earlier ?? cookies.fresh}`);
  }
  if (flagValue(words, ['-name', '-sname']) === undefined) lines.push(`--name ${release}@127.0.0.1`);
  return { text: `${lines.filter((l) => l !== '').join('\n')}\n`, cookieSource };
}
