// The node's OS process as the daemon and the heart start it: detached, `foreground` on the permanent
// version with its node.args' Node.js flags, its output appended to log/<name>.log.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { permanentVersion, readVersion, type NodeArgs, type ReleaseFile, type ReleasesFile } from '@otp-ts/runtime/tools';
import { program, root, ScriptError, target } from './client.js';
import { exitText, type NodeExit } from './heart.js';
import { fsReason, whoRuns } from './fs-failure.js';
import { refusedNodeFlag } from '../node-flags.js';

/** The version a boot starts: the one RELEASES.json marks permanent; none marked (an operator's edit) is refused naming the file and the fix. */
export function versionToBoot(releases: ReleasesFile): string {
  const vsn = permanentVersion(releases);
  if (vsn !== undefined) return vsn;
  const listed = releases.releases.map((r) => `${r.vsn} (${r.status})`).join(', ');
  throw new ScriptError(`${join(root, 'releases', 'RELEASES.json')} marks no version permanent (it lists ${listed}), so there is none to boot: mark the version to boot "permanent" there, or boot one by name (bin/${releases.name} foreground --vsn VSN)`, 2);
}

/** log/<name>.log, where a daemon's node (and its heart) write. */
export function logFile(name: string): string {
  mkdirSync(join(root, 'log'), { recursive: true });
  return join(root, 'log', `${name}.log`);
}

/** How long the log is now: where the lines of a process started next begin. */
export function logOffset(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/**
 * Starts the node of the permanent version, detached, as `bin/<name>.mjs foreground` with node.args'
 * Node.js flags (read now: after an upgrade, the new permanent version's), writing to `out`.
 * OTP_RELEASE_DAEMON makes its last words carry its OS pid, so the log says which process failed.
 */
export async function spawnNode(out: number): Promise<{ child: ChildProcess; vsn: string }> {
  const t = await target();
  const files = await readVersion(root, t.vsn, process.env);
  const child = spawn(process.execPath, [...files.nodeArgs.nodeFlags, program, 'foreground'], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, OTP_RELEASE_CHILD: '1', OTP_RELEASE_ROOT: root, OTP_RELEASE_DAEMON: '1' },
  });
  return { child, vsn: t.vsn };
}

/** Opens log/<name>.log for appending, for a node's stdout and stderr. */
export function openLog(file: string): number {
  return openSync(file, 'a');
}

/** What a node's log says since `offset` about why its OS process `pid` ended: see {@link lastWords}. */
export interface LastWords {
  /** Its last words, tagged `<name> (os pid N): ` (a daemon's node says its fatal error so). */
  own?: string;
  /** The error line of an uncaught error that ended the process (Node.js closes its print with its version line). */
  uncaught?: string;
  /** The last error line, or else the last line, that is no stack frame nor the quoted source above one. */
  last?: string;
  /** The crash dump the node wrote, as its log announced it. */
  dump?: string;
}

/**
 * Reads a node's log past `offset` (bytes: the log's size before the boot or install) for why its OS process `pid` ended,
 * leaving the stack frames and reports in the log; shared by `daemon` (a failed boot) and `upgrade`/`downgrade` (a death).
 */
export function lastWords(name: string, pid: number | undefined, file: string, offset: number): LastWords {
  // The text is cut at `offset` before it is decoded, as a log holding characters of more than one byte (an upgrade's →)
  // would otherwise be cut that many characters too far.
  const lines = (existsSync(file) ? readFileSync(file).subarray(offset).toString('utf8') : '').split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const tag = `${name} (os pid ${pid}): `;
  const own = lines.findLast((l) => l.startsWith(tag))?.slice(tag.length);
  const dump = lines.findLast((l) => l.startsWith(DUMP_LINE))?.slice(DUMP_LINE.length);
  // Not stack frames, the source line Node.js quotes above an uncaught error, nor its closing lines.
  const said = lines.filter((l) => !/^\s|^Node\.js v|^started |^\S+ heart: |^crash dump written to |^\(Use `node |^\S+:\d+$|^\s*\^+$/.test(l) && l.length <= 500);
  const error = said.findLast((l) => /^\w*Error\b/.test(l));
  const uncaught = /^Node\.js v/.test(lines.at(-1) ?? '') ? error : undefined;
  return { ...(own === undefined ? {} : { own }), ...(uncaught === undefined ? {} : { uncaught }), ...(said.length === 0 ? {} : { last: error ?? said.at(-1)! }), ...(dump === undefined ? {} : { dump }) };
}

/** Where an operator reads the rest of a node's end: its full log, and its crash dump when it wrote one. */
export function whereToLook(name: string, dump: string | undefined): string {
  return `its full log is log/${name}.log${dump === undefined ? '' : ` and its crash dump ${dump}`}`;
}

/**
 * Why a daemon's node died before it answered, in one line: its last words when it left some, else an uncaught error's
 * own line, else the log's last line that is no stack frame; then how it exited and where its full log and its crash
 * dump (when the node wrote one) are. Stack frames stay in the log and the dump.
 */
export function bootFailure(node: string, name: string, pid: number | undefined, exit: NodeExit, file: string, offset: number): string {
  const words = lastWords(name, pid, file, offset);
  const cause = words.own ?? words.last;
  const how = `os pid ${pid ?? '–'} ${exitText(exit)}`;
  return `${node} did not start: ${cause === undefined ? how : `${cause} (${how})`}; ${whereToLook(name, words.dump)}`;
}

// How a node's crash dump announces itself in its log.
const DUMP_LINE = 'crash dump written to ';

/**
 * Refuses (exit 2) to boot a version on another @otp-ts/runtime than it was built with: the root holds one runtime
 * (node_modules/@otp-ts/runtime), which a later version's build replaces, while OTP keeps an erts per release.
 */
export function checkRuntime(release: ReleaseFile, name: string): void {
  let holds: string | undefined;
  try {
    holds = (JSON.parse(readFileSync(join(root, 'node_modules', '@otp-ts', 'runtime', 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return;
  }
  if (release.runtime === undefined || holds === undefined || holds === release.runtime) return;
  throw new ScriptError(
    `${name} ${release.vsn} was built with @otp-ts/runtime ${release.runtime}, but this release root holds @otp-ts/runtime ${holds} (node_modules/@otp-ts/runtime, from another version's build), so it is not booted on it: deploy ${release.vsn} from its tarball into a root of its own (each tarball carries its runtime), boot a version built with ${holds} (foreground --vsn VSN), or rebuild ${release.vsn} with @otp-ts/runtime ${holds}`,
    2,
  );
}

/**
 * Refuses (exit 2, nothing started) to boot or install a version whose native addons were built for another platform, arch or
 * Node.js ABI than this machine's (release.json's `native`, recorded by otp release): they would fail as they load.
 */
export function checkNative(release: ReleaseFile, name: string, done: 'booted' | 'installed' = 'booted'): void {
  const built = release.native;
  if (built === undefined) return;
  const here = { platform: process.platform, arch: process.arch, abi: process.versions.modules };
  if (built.platform === here.platform && built.arch === here.arch && String(built.abi) === here.abi) return;
  const machine = (m: { platform: string; arch: string; abi: string }): string => `${m.platform}-${m.arch}, Node.js ABI ${m.abi}`;
  const addons = Array.isArray(built.addons) && built.addons.length > 0 ? built.addons.join(', ') : 'its native addons';
  throw new ScriptError(
    `${name} ${release.vsn} carries native addons built for ${machine(built)}, but this machine is ${machine(here)}, so it is not ${done}: ${addons} would not load here; build the release with otp release on a ${here.platform}-${here.arch} machine with this Node.js (ABI ${here.abi}), or deploy it to a ${built.platform}-${built.arch} machine with a Node.js of ABI ${built.abi}`,
    2,
  );
}

/**
 * Refuses (exit 2) to boot (or, given `install`, to install) a version whose node.args holds the cookie (--setcookie) and other users may read: whoever reads the
 * cookie controls the node, so, as OTP refuses a cookie file not accessible by its owner only, the boot names it and the fix.
 */
export function checkCookieFile(vsn: string, nodeArgs: NodeArgs, install?: 'upgrade' | 'downgrade'): void {
  const file = join(root, 'releases', vsn, 'node.args');
  if (nodeArgs.cookie === undefined || process.platform === 'win32' || !existsSync(file)) return;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  const so = install === undefined ? `it was not started: chmod 600 ${file} (otp release writes it so), then start it again` : `${vsn} was not installed, as every boot of it would be refused: chmod 600 ${file} (otp release writes it so), then run ${install} ${vsn} again`;
  throw new ScriptError(`releases/${vsn}/node.args holds the node's cookie and other users may read it (mode ${mode.toString(8)}), so anyone on this machine could take over the node; ${so}`, 2);
}

/**
 * Refuses (exit 1) to boot `name` from a root where the node cannot write its pid to run/ (and, for `daemon`, its log to
 * log/): a read-only root, one without permission, a file where the folder goes, or a pid or log file it may not write
 * (left by another user, or a folder in its place). Said before anything starts, rather than a node booted and crashed.
 */
export function checkWritableRoot(name: string, command: 'daemon' | 'foreground'): void {
  const folders = command === 'daemon' ? ['run', 'log'] : ['run'];
  const needs = command === 'daemon' ? 'its pid to run/ and its log to log/' : 'its pid to run/';
  for (const folder of folders) {
    const dir = join(root, folder);
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new ScriptError(`${name} was not started: ${dir} is a file where the node needs a folder, as it writes ${needs}: move or remove that file, then start it again`);
    }
    try {
      const probe = join(dir, `.${name}.writable.${process.pid}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(probe, '');
      rmSync(probe, { force: true });
    } catch (error) {
      // Another user's folder in a root this user may write (run/ made by root's earlier start): that folder is the fix.
      const code = (error as NodeJS.ErrnoException).code;
      const user = whoRuns().name;
      const fix = code === 'EACCES' || code === 'EPERM' ? `start it as the user who owns ${folder}/, or let ${user} write it (chown -R ${user} ${dir})` : 'make the root writable (or copy it to a writable place and start it there)';
      throw new ScriptError(`${name} was not started: ${folder}/ in its release root ${root} cannot be written by ${user}, ${fsReason(error)}, and the node writes ${needs}: ${fix}`);
    }
  }
  const files = command === 'daemon' ? [`run/${name}.pid`, `run/${name}.heart.pid`, `log/${name}.log`] : [`run/${name}.pid`];
  for (const file of files) checkWritableFile(name, file);
}

// A pid or log file already there that the node could not write: a folder in its place, or one it may not write.
function checkWritableFile(name: string, file: string): void {
  const path = join(root, file);
  try {
    if (!existsSync(path)) return;
    if (!statSync(path).isFile()) throw Object.assign(new Error(`${path} is a folder`), { code: 'EISDIR' });
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new ScriptError(`${name} was not started: ${file} in its release root ${root} cannot be written, ${fsReason(error)}: remove it, or let the user who starts the node write it (chown), then start it again`);
  }
}

/**
 * Refuses (exit 2) Node.js flags of a version's node.args that Node.js will not start with (an unknown option, a size that is
 * not a number), naming the file and the flag: asked of Node.js itself, in a process that runs nothing, before the node starts
 * (or, for `install`, before an upgrade or downgrade makes the version permanent, which every later boot would refuse).
 */
export function checkNodeFlags(vsn: string, flags: readonly string[], install?: 'upgrade' | 'downgrade'): void {
  const refused = refusedNodeFlag(flags);
  if (refused === undefined) return;
  const file = join(root, 'releases', vsn, 'node.args');
  const so = install === undefined ? `the node was not started: fix or remove it in ${file}` : `${vsn} was not installed, as every boot of it would be refused: fix or remove it in ${file} and run ${install} ${vsn} again`;
  throw new ScriptError(`releases/${vsn}/node.args has a Node.js flag Node.js will not start with, ${refused.flag} (${refused.why}), so ${so}`, 2);
}
