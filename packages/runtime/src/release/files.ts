import { readFile, writeFile, rename, rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ReleaseConfigError, checkSysConfig, nodeArgsVariableLines, nodeArgsVariables, parseNodeArgs, substituteEnv, variablesOf, type NodeArgs } from './config.js';
import type { ReleaseFile, ReleasesFile, Relup } from './types.js';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

async function readJson<T>(file: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ReleaseConfigError(file, `${file} is missing: ${what}`);
  }
  try {
    return JSON.parse(text.replace(BOM, '')) as T;
  } catch (error) {
    throw new ReleaseConfigError(file, `${file} is not valid JSON${whereIn(text, (error as Error).message)} (${(error as Error).message}): fix it there (an operator's edit: a missing comma or brace) or rebuild the release with otp release`);
  }
}

/** A relup.json's JSON as the file holds it now (checked by checkRelup where it is used); unreadable or not JSON, a ReleaseConfigError naming it. */
export function readRelupFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ReleaseConfigError(file, `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): restore it from the version's tarball`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ReleaseConfigError(file, `${file} is not valid JSON${whereIn(text, (error as Error).message)} (${(error as Error).message}): restore it from the version's tarball, or rebuild the version with otp release --upgrade-from the version it upgrades`);
  }
}

// ' at line L, column C' of the position a JSON.parse message names, if it names one.
function whereIn(text: string, message: string): string {
  const at = /at position (\d+)/.exec(message);
  if (!at) return '';
  const before = text.slice(0, Number(at[1])).split('\n');
  return ` at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

const STATUSES: readonly string[] = ['permanent', 'current', 'old', 'unpacked'];

/** A release root's RELEASES.json; one an operator's edit left without its name, its list of versions or any version throws a ReleaseConfigError naming it. */
export async function readReleases(root: string): Promise<ReleasesFile> {
  const file = join(root, 'releases', 'RELEASES.json');
  const read = await readJson<unknown>(file, `${root} is not a release root (otp release writes one under _build/prod/rel/<name>)`);
  const o = (typeof read === 'object' && read !== null && !Array.isArray(read) ? read : {}) as Record<string, unknown>;
  const bad = Array.isArray(o.releases) ? o.releases.findIndex((r: unknown) => typeof (r as { vsn?: unknown } | null)?.vsn !== 'string' || !STATUSES.includes(String((r as { status?: unknown }).status))) : -1;
  // The version the next boot starts is one: a second "permanent" (an edit) left which one boots to the list's order.
  const permanent = Array.isArray(o.releases) ? o.releases.flatMap((r: { status?: unknown }, i) => (r?.status === 'permanent' ? [i] : [])) : [];
  const what =
    typeof o.name !== 'string' || o.name === ''
      ? '"name" is not the release\'s name'
      : !Array.isArray(o.releases)
        ? '"releases" is not a list of versions'
        : bad >= 0
          ? `releases[${bad}] has no "vsn" or no "status" (one of ${STATUSES.join(', ')})`
          : permanent.length > 1
            ? `releases[${permanent[0]}] and releases[${permanent[1]}] are both "permanent" (the version the next boot starts is one; mark the others "old")`
            : undefined;
  const fix = 'restore it (otp release writes it, listing each installed version and its status) or rebuild the release with otp release';
  if (what !== undefined) throw new ReleaseConfigError(file, `${file} is not a releases file: ${what}: ${fix}`);
  // otp release always lists the version it builds and unpack only adds one: an empty list is a root that lost its record.
  if ((o.releases as unknown[]).length === 0) throw new ReleaseConfigError(file, `${file} lists no versions, so none can be booted, shown or installed: ${fix}`);
  return read as ReleasesFile;
}

/** Rewrites RELEASES.json atomically (a temporary file renamed over it, removed when the write or the rename fails). */
export async function writeReleases(root: string, releases: ReleasesFile): Promise<void> {
  const file = join(root, 'releases', 'RELEASES.json');
  try {
    await writeFile(`${file}.tmp`, `${JSON.stringify(releases, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  } catch (error) {
    await rm(`${file}.tmp`, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** An install a node runs from a release root (releases/installing.json, while it runs): its OS pid, that process's start time where the OS tells it, and the two versions. */
export interface InstallInProgress {
  pid: number;
  /** The installing process's start time (osProcessStart): a later process given the same pid is not taken for it. */
  started?: string;
  from: string;
  to: string;
}

const installingFile = (root: string): string => join(root, 'releases', 'installing.json');

/** Marks the install a node starts from `root`, so `otp release` does not rebuild that version under it; removed by `unmarkInstalling`. */
export async function markInstalling(root: string, install: InstallInProgress): Promise<void> {
  const started = install.started ?? osProcessStart(install.pid);
  const marked = started === undefined ? install : { ...install, started };
  // Best effort: a root the node cannot write is refused by the install's own check, which says so.
  // Written aside and renamed into place: a reader never takes a half-written mark for a stale one.
  const mark = () =>
    writeFile(`${installingFile(root)}.${process.pid}`, `${JSON.stringify(marked)}\n`)
      .then(() => rename(`${installingFile(root)}.${process.pid}`, installingFile(root)))
      .catch(() => rm(`${installingFile(root)}.${process.pid}`, { force: true }).catch(() => undefined));
  // Under the root's lock, which otp release holds while it moves a version in: that finishes first (the install then reads
  // the whole version), or sees this mark before its first move and refuses to replace the version installed.
  await withReleasesLock(root, mark, { who: "the running node's install" }).catch(mark);
}

/** Removes the mark of an install that ended (installed or rolled back). */
export async function unmarkInstalling(root: string): Promise<void> {
  await rm(installingFile(root), { force: true });
}

// The mark in `root` as its file holds it: the install, 'stale' (unreadable, or its process gone or its pid reused), or undefined (none).
function readInstallMark(root: string): InstallInProgress | 'stale' | undefined {
  let text: string;
  try {
    text = readFileSync(installingFile(root), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const install = JSON.parse(text) as InstallInProgress;
    const started = typeof install.started === 'string' ? install.started : undefined;
    return Number.isInteger(install.pid) && install.pid > 0 && typeof install.to === 'string' && osProcessRuns(install.pid, started) ? install : 'stale';
  } catch {
    return 'stale';
  }
}

/** The install a node runs from `root` now, or undefined (none, or the mark of a node that died while it installed, its pid maybe reused since). */
export function installInProgress(root: string): InstallInProgress | undefined {
  const mark = readInstallMark(root);
  return mark === 'stale' ? undefined : mark;
}

/**
 * Removes `root`'s releases/installing.json when no install runs under it (its node was killed mid-install, and its pid
 * may have been reused since): the sentence to tell the operator, or undefined (no mark, or a live install's).
 */
export function clearStaleInstall(root: string): string | undefined {
  if (readInstallMark(root) !== 'stale') return undefined;
  const file = installingFile(root);
  let named = '';
  try {
    const { pid, from, to } = JSON.parse(readFileSync(file, 'utf8')) as Partial<InstallInProgress>;
    named = ` (the install of ${String(to)} over ${String(from)} by os pid ${String(pid)})`;
  } catch {
    // An unreadable mark says nothing more.
  }
  try {
    rmSync(file, { force: true });
  } catch (error) {
    return `${file} marks an install${named} whose node no longer runs, and cannot be removed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): remove it by hand`;
  }
  return `removed ${file}, the mark of an install${named} whose node no longer runs (killed while it installed): its root holds what the node's rollback or last boot left`;
}

/** Another unpack or install holds the release root's lock past the wait: nothing was changed, the command can run again. */
export class ReleaseBusyError extends Error {
  constructor(
    message: string,
    /** The OS pid holding the lock, when the lock file names one. */
    readonly holder: number | undefined,
  ) {
    super(message);
    this.name = 'ReleaseBusyError';
  }
}

/** Whether OS process `pid` runs (one of another user counts: EPERM, it may not be touched); given `started` (osProcessStart of the process meant), a later process reusing the pid does not count. */
export function osProcessRuns(pid: number, started?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (started === undefined) return true;
  const now = osProcessStart(pid);
  return now === undefined || now === started;
}

/** OS process `pid`'s start time as /proc/<pid>/stat gives it (clock ticks since boot), or undefined where there is no /proc (not Linux) or no such process. */
export function osProcessStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command's name, in parentheses and free to hold spaces: field 3 (the state) on; the start time is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Who holds a release root's lock: its OS pid and, when it said, what it is (`otp release`, `bin/<name> unpack`, the node's install). */
export interface LockHolder {
  pid: number;
  who?: string;
  /** Its start time (osProcessStart), where the OS tells it: a later process reusing the pid is not taken for the holder. */
  started?: string;
}

// Who a lock file names (its first line the OS pid, its second what holds it, its third the pid's start time), or undefined (gone, or not written yet).
function parseHolder(text: string): LockHolder | undefined {
  const [first = '', second = '', third = ''] = text.split('\n');
  const pid = Number(first.trim());
  return Number.isInteger(pid) && pid > 0 ? { pid, ...(second.trim() ? { who: second.trim() } : {}), ...(third.trim() ? { started: third.trim() } : {}) } : undefined;
}

async function holderOf(lock: string): Promise<LockHolder | undefined> {
  return parseHolder(await readFile(lock, 'utf8').catch(() => ''));
}

const lockOf = (root: string): string => join(root, 'releases', 'RELEASES.json.lock');

/** The live process holding `root`'s lock (releases/RELEASES.json.lock) now, or undefined (none, or one that died). */
export function releasesLockHolder(root: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(lockOf(root), 'utf8');
  } catch {
    return undefined;
  }
  const holder = parseHolder(text);
  return holder !== undefined && osProcessRuns(holder.pid, holder.started) ? holder : undefined;
}

/** What holds a lock, in words: `otp release (os pid 123)`. */
export function holderText(holder: LockHolder | undefined): string {
  return `${holder?.who ?? 'another unpack, upgrade or otp release'}${holder === undefined ? '' : ` (os pid ${holder.pid})`}`;
}

/** How withReleasesLock waits: at most `waitMs` (default 30 s); `who` is written in the lock for those who wait on it; `onWait` is told once of the holder waited for. */
export interface LockOptions {
  waitMs?: number;
  who?: string;
  onWait?: (holder: LockHolder | undefined) => void;
}

// Takes the lock file (created exclusively, naming this process); a lock whose process is gone (killed) is taken over.
async function acquire(lock: string, { waitMs = 30_000, who, onWait }: LockOptions): Promise<void> {
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      await writeFile(lock, `${process.pid}\n${who ?? ''}\n${osProcessStart(process.pid) ?? ''}\n`, { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await holderOf(lock);
    if (holder !== undefined && !osProcessRuns(holder.pid, holder.started)) {
      // Read again just before removing it: another process may have taken the stale lock over meanwhile.
      if ((await holderOf(lock))?.pid === holder.pid) await rm(lock, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new ReleaseBusyError(`${holderText(holder)} is changing ${join(lock, '..', 'RELEASES.json')} and still held its lock after ${Math.round(waitMs / 1000)} s: wait for it to finish and run this again (if no such process runs, remove ${lock})`, holder?.pid);
    }
    if (!told) onWait?.(holder);
    told = true;
    await delay(20);
  }
}

/**
 * Runs `work` holding the release root's lock (releases/RELEASES.json.lock), as OTP's release_handler serves one
 * change at a time: unpacks, installs and otp release's moves that read and rewrite RELEASES.json take turns, across OS
 * processes (the start script's commands, the node, otp). A lock whose process died is taken over; one held past the
 * wait (a number: `waitMs`) throws ReleaseBusyError naming its holder. Not re-entrant.
 */
export async function withReleasesLock<T>(root: string, work: () => Promise<T>, options: number | LockOptions = {}): Promise<T> {
  const lock = lockOf(root);
  await acquire(lock, typeof options === 'number' ? { waitMs: options } : options);
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

/** The version RELEASES.json marks permanent (the one a boot starts). */
export function permanentVersion(releases: ReleasesFile): string | undefined {
  return releases.releases.find((r) => r.status === 'permanent')?.vsn;
}

/** Whether a version's files are in the root. */
export function hasVersion(root: string, vsn: string): boolean {
  return existsSync(join(root, 'releases', vsn, 'release.json'));
}

/** Everything one version of a release says: its release.json, its substituted sys.config and its node.args. */
export interface VersionFiles {
  release: ReleaseFile;
  sysConfig: Record<string, Record<string, unknown>>;
  nodeArgs: NodeArgs;
  /** The relup that reaches this version, when it was built with --upgrade-from. */
  relup: Relup | undefined;
}

/** A version's node.args alone (what clients of a running node need: its name and cookie), `${VAR}` substituted. */
export async function readNodeArgs(root: string, vsn: string, env: Record<string, string | undefined>): Promise<NodeArgs> {
  const file = join(root, 'releases', vsn, 'node.args');
  return existsSync(file) ? parseNodeArgs(await readNodeArgsText(file), env, file) : { hidden: false, nodeFlags: [] };
}

// A node.args' text; a folder in its place (or another unreadable thing), a ReleaseConfigError naming it and the fix. One this user may
// not read (another user's, mode 600) is the errno error itself, which the start script explains with the owners.
async function readNodeArgsText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    // Permission refused: the start script's own account says whose the release is and who runs it (fs-failure.ts).
    if (code === 'EACCES' || code === 'EPERM') throw error;
    throw new ReleaseConfigError(file, `${file} cannot be read (${code}), so the node's name, cookie and flags are unknown: make it a file the user who runs the node owns and may read (chown that user, chmod 600), or restore it from the version's tarball`);
  }
}

/**
 * A version's release.json as otp release writes it (an operator's edit may not be): a name, a version, the applications
 * and, when recorded, `native` with the machine its addons were built for; otherwise a ReleaseConfigError naming `file` and the fix.
 */
export function checkReleaseFile(value: unknown, file: string): ReleaseFile {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const fix = "restore it from the version's tarball, or rebuild the release with otp release";
  const bad = (what: string, how = fix): ReleaseConfigError => new ReleaseConfigError(file, `${file} is not a release file: ${what}: ${how}`);
  if (!isObject(value)) throw bad('it must be an object with "name", "vsn" and "applications"');
  if (typeof value.name !== 'string' || value.name === '' || typeof value.vsn !== 'string' || value.vsn === '') throw bad('"name" and "vsn" must be the release\'s name and version');
  const apps = value.applications;
  if (!Array.isArray(apps) || !apps.every((a) => isObject(a) && typeof a.name === 'string' && typeof a.vsn === 'string' && (a.type === undefined || ['permanent', 'transient', 'temporary'].includes(String(a.type))))) {
    throw bad('"applications" must be a list of { "name", "vsn" } (and an optional "type": permanent, transient or temporary)');
  }
  const native = value.native;
  if (native !== undefined) {
    const abi = isObject(native) ? native.abi : undefined;
    const ok = isObject(native) && typeof native.platform === 'string' && native.platform !== '' && typeof native.arch === 'string' && native.arch !== '' && ((typeof abi === 'string' && abi !== '') || Number.isInteger(abi)) && Array.isArray(native.addons) && native.addons.every((a) => typeof a === 'string');
    if (!ok) {
      const shown = JSON.stringify(native)?.slice(0, 120) ?? String(native);
      throw bad(`"native" must be the machine its native addons were built for, { "platform", "arch", "abi", "addons": [...] } as otp release records it, not ${shown}`, `${fix} (which records it), or remove "native" if the release carries no native addons`);
    }
  }
  return value as unknown as ReleaseFile;
}

/** A version's release.json, read and checked (checkReleaseFile); missing, unreadable or malformed, a ReleaseConfigError naming it and the fix. */
export async function readReleaseFile(root: string, vsn: string): Promise<ReleaseFile> {
  const file = join(root, 'releases', vsn, 'release.json');
  return checkReleaseFile(await readJson<unknown>(file, `version ${vsn} is not in this release root: unpack it first (bin/<name> unpack ${vsn})`), file);
}

/** Reads one version's files, substituting `${VAR}` from `env` in sys.config.json and node.args. */
export async function readVersion(root: string, vsn: string, env: Record<string, string | undefined>): Promise<VersionFiles> {
  const dir = join(root, 'releases', vsn);
  const release = await readReleaseFile(root, vsn);
  const sysFile = join(dir, 'sys.config.json');
  const sysConfig = existsSync(sysFile) ? checkSysConfig(substituteEnv(await readJson<unknown>(sysFile, ''), env, sysFile), sysFile) : {};
  const nodeArgs = await readNodeArgs(root, vsn, env);
  const relupFile = join(dir, 'relup.json');
  const relup = existsSync(relupFile) ? await readJson<Relup>(relupFile, '') : undefined;
  return { release, sysConfig, nodeArgs, relup };
}

/**
 * A version's relup as otp release writes it (an operator's edit may not be), each step's applications checked: a broken one
 * throws a ReleaseConfigError naming `file` and the fix. Checked by an install that uses it, not at boot (which never reads it).
 */
export function checkRelup(value: unknown, file: string): Relup {
  const bad = (what: string): ReleaseConfigError => new ReleaseConfigError(file, `${file} is not a relup: ${what}: restore it from the version's tarball, or rebuild the version with otp release --upgrade-from the version it upgrades`);
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const strings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (!isObject(value) || typeof value.vsn !== 'string') throw bad('it must be an object with "vsn", "up" and "down"');
  for (const way of ['up', 'down'] as const) {
    const steps = value[way];
    if (!Array.isArray(steps)) throw bad(`"${way}" must be a list of steps`);
    for (const step of steps as unknown[]) {
      if (!isObject(step) || typeof step.vsn !== 'string' || !Array.isArray(step.apps)) throw bad(`each step of "${way}" must be { "vsn": ..., "apps": [...] }`);
      for (const app of step.apps as unknown[]) {
        const ok = isObject(app) && typeof app.app === 'string' && (app.kind === 'change' ? typeof app.from === 'string' && typeof app.to === 'string' && strings(app.added) && strings(app.removed) && Array.isArray(app.changed) && app.changed.every((c) => isObject(c) && typeof c.module === 'string') : (app.kind === 'add' || app.kind === 'remove') && typeof app.vsn === 'string');
        if (!ok) throw bad(`the step from ${step.vsn} in "${way}" has an application change that is not an add, remove or change of the shape otp release writes (${JSON.stringify(app).slice(0, 80)})`);
      }
    }
  }
  return value as unknown as Relup;
}

/** A `${VAR}` a version's files use: the file (relative to the release root) and whether it has no default. */
export interface VersionVariable {
  name: string;
  file: string;
  required: boolean;
  /** For node.args: the line where a required variable is first used. */
  line?: number;
}

/**
 * The variables a version's sys.config.json and node.args use, read from the parsed files (never the
 * text): what an upgrade command sends the node from its own environment.
 */
export async function versionVariables(root: string, vsn: string): Promise<VersionVariable[]> {
  const out: VersionVariable[] = [];
  const sysFile = join('releases', vsn, 'sys.config.json');
  if (existsSync(join(root, sysFile))) for (const [name, required] of variablesOf(await readJson<unknown>(join(root, sysFile), ''))) out.push({ name, file: sysFile, required });
  const argsFile = join('releases', vsn, 'node.args');
  if (existsSync(join(root, argsFile))) {
    const text = await readNodeArgsText(join(root, argsFile));
    const lines = nodeArgsVariableLines(text);
    for (const [name, required] of nodeArgsVariables(text)) out.push({ name, file: argsFile, required, ...(lines.has(name) ? { line: lines.get(name)! } : {}) });
  }
  return out;
}
