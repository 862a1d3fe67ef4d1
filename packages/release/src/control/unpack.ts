import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { extract } from 'tar';
import { hasVersion, readReleases, withReleasesLock, writeReleases, type LockHolder, type ReleaseFile, type ReleasesFile } from '@otp-ts/runtime/tools';
import { checkStaged, UnpackError, unreadableTarball } from './unpack-check.js';
import { halfUnpacked } from './half-unpacked.js';
import { describeFsFailure, fsReason } from './fs-failure.js';

/** Where a version's tarball was found: a path given on the command line, or by its version in releases/ or the root. */
type Found = { file: string; explicit: boolean };

function findTarball(root: string, name: string, what: string): Found | undefined {
  if (/\.tar\.gz$|\.tgz$/.test(what) || (existsSync(what) && statSync(what).isFile())) return { file: resolve(what), explicit: true };
  const file = [join(root, 'releases', `${name}-${what}.tar.gz`), join(root, `${name}-${what}.tar.gz`)].find((f) => existsSync(f));
  return file ? { file, explicit: false } : undefined;
}

/** releases/<vsn>/unpacked.json: the tarball an unpacked version came from, so a different one of the same version replaces it. */
interface UnpackedFrom {
  tarball: string;
  sha256: string;
}

function sha256(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch (error) {
    throw new UnpackError(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give the path of a tarball written by otp release --tar`, { cause: error });
  }
}

function unpackedFrom(root: string, vsn: string): UnpackedFrom | undefined {
  try {
    return JSON.parse(readFileSync(join(root, 'releases', vsn, 'unpacked.json'), 'utf8')) as UnpackedFrom;
  } catch {
    return undefined;
  }
}

// An installed version stays as it is: the same build's tarball (or one whose origin is not recorded, as a version built in
// place or deployed by hand) is no news; another build of it is refused rather than silently ignored, or upgrade would
// install the old build's code under the new build's name.
function keptInstalled(root: string, vsn: string, status: string, digest: string, tarball: string): string {
  const recorded = unpackedFrom(root, vsn);
  if (recorded !== undefined && recorded.sha256 !== digest) {
    throw new UnpackError(`${tarball} is another build of ${vsn}, which is installed here (${status}) from ${recorded.tarball}: an installed version does not change; give the new build another version (bump "version", then otp release --tar --upgrade-from)`);
  }
  return vsn;
}

// Errors of a file system that cannot take what is written to it (full, over quota or file size limit, read-only, denied).
const WRITE_FAILURES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EMFILE', 'ENFILE']);

// The tarball's files could not be written under the root (see WRITE_FAILURES): the work failed, not the input.
function notWritten(tarball: string, root: string, error: unknown): UnpackFailed {
  const fix = (error as NodeJS.ErrnoException).code === 'EROFS' ? 'mount it writable' : "free space (or fix the folder's permissions)";
  return new UnpackFailed(`unpacking ${tarball} failed: its files could not be written under ${root}, ${fsReason(error)}, and nothing of it stays: ${fix} and run it again`, { cause: error });
}

/** Unpacking failed part way on the root's side (a full disk, a file where a folder goes), its moves undone: the work failed, not the input. */
export class UnpackFailed extends Error {
  override name = 'UnpackFailed';
}

/** A step that takes a move back, and what is left where if it fails. */
interface Undo {
  run: () => void;
  left: string;
}

/** Moves into the root and remembers how to take each move back, so a failure part way leaves the root as it was. */
export class Moves {
  private readonly undo: Undo[] = [];

  /** Moves `from` to `to` (which must not exist). */
  move(from: string, to: string): void {
    renameSync(from, to);
    this.undo.push({ run: () => renameSync(to, from), left: `${to} (it belongs at ${from})` });
  }

  /** Moves what `from` has and `to` lacks (one level: lib/<app>-<vsn>, node_modules/<pkg>, node_modules/@scope/<pkg>). */
  mergeMissing(from: string, to: string, depth = 1): void {
    if (!existsSync(from)) return;
    if (!existsSync(to)) {
      mkdirSync(to, { recursive: true });
      // Removed only when empty: what a failed move back left in it stays, and is named.
      this.undo.push({ run: () => rmdirSync(to), left: `${to} (a folder the unpack made)` });
    }
    for (const entry of readdirSync(from)) {
      const src = join(from, entry);
      const dst = join(to, entry);
      if (!existsSync(dst)) this.move(src, dst);
      else if (depth > 0 && entry.startsWith('@')) this.mergeMissing(src, dst, depth - 1);
    }
  }

  /** Takes every move back, newest first; returns what could not be, each with why (none: the root is as it was). */
  rollback(): string[] {
    const left: string[] = [];
    for (const step of this.undo.reverse()) {
      try {
        step.run();
      } catch (error) {
        // keep undoing the rest: each step stands alone
        left.push(`${step.left}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    return left;
  }
}

/**
 * Takes an unpack's moves back after `error`, and the UnpackFailed to throw: "undone" only when every move was
 * taken back; otherwise it names what was left where, so the operator can put it back.
 */
export function undoMoves(moves: Moves, tarball: string, error: unknown, root?: string): UnpackFailed {
  const left = moves.rollback();
  const why = describeFsFailure(error, root);
  if (left.length === 0) return new UnpackFailed(`unpacking ${tarball} failed and was undone, so nothing${root === undefined ? '' : ` under ${root}`} was changed: ${why}: fix that and run it again`, { cause: error });
  return new UnpackFailed(`unpacking ${tarball} failed (${why}) and undoing it failed too, which left ${left.join('; ')}: move each back where it belongs (or remove a folder the unpack made), fix what stopped it, and run it again`, { cause: error });
}

// The lib/ folders an unpacked copy of `vsn` brought that no other version uses: a replacement takes them away.
// A copy RELEASES.json does not list (what an unpack killed part way leaves) brought those of the version's applications.
function ownLibs(releases: ReleasesFile, vsn: string, release: ReleaseFile): string[] {
  const others = new Set(releases.releases.filter((r) => r.vsn !== vsn).flatMap((r) => r.applications.map((a) => `${a.name}-${a.vsn}`)));
  const mine = releases.releases.find((r) => r.vsn === vsn)?.applications ?? release.applications;
  return mine.map((a) => `${a.name}-${a.vsn}`).filter((d) => !others.has(d));
}

// A file (not a folder) where the version's releases/<vsn>/ or a lib/<app>-<vsn>/ goes is someone's, not an unpack's
// leftover: refused before anything moves, rather than moved aside with the copy being replaced and deleted.
function refuseFilesInTheWay(root: string, release: ReleaseFile, tarball: string): void {
  const places = [join('releases', release.vsn), ...release.applications.map((a) => join('lib', `${a.name}-${a.vsn}`))];
  const file = places.find((p) => existsSync(join(root, p)) && !statSync(join(root, p)).isDirectory());
  if (file === undefined) return;
  throw new UnpackFailed(`unpacking ${tarball} was refused, so nothing under ${root} was changed: ${file} is a file where the version's folder goes: move it away (or remove it) and run it again`);
}

// Moves a checked staging folder's version in (lib/ folders and npm packages it lacks, releases/<vsn>/, then
// RELEASES.json); an unpacked copy it replaces goes aside first, and so does what an unpack of it killed part way
// left (its releases/<vsn>/ or lib/ folders, which RELEASES.json does not list). Any failure takes every move back.
// Run under the root's lock, `releases` read under it.
async function moveIn(root: string, staging: string, releases: ReleasesFile, release: ReleaseFile, tarball: string): Promise<void> {
  const vsn = release.vsn;
  refuseFilesInTheWay(root, release, tarball);
  const moves = new Moves();
  try {
    // The copy being replaced, and the lib/ folders only it used, go aside until the new one is in.
    const aside = join(staging, '.aside');
    mkdirSync(join(aside, 'lib'), { recursive: true });
    if (existsSync(join(root, 'releases', vsn))) moves.move(join(root, 'releases', vsn), join(aside, 'release'));
    for (const dir of ownLibs(releases, vsn, release)) if (existsSync(join(root, 'lib', dir))) moves.move(join(root, 'lib', dir), join(aside, 'lib', dir));
    moves.mergeMissing(join(staging, 'lib'), join(root, 'lib'), 0);
    moves.mergeMissing(join(staging, 'node_modules'), join(root, 'node_modules'));
    moves.move(join(staging, 'releases', vsn), join(root, 'releases', vsn));
    const entry = { vsn, status: 'unpacked' as const, applications: release.applications };
    const next: ReleasesFile = { ...releases, releases: releases.releases.some((r) => r.vsn === vsn) ? releases.releases.map((r) => (r.vsn === vsn ? entry : r)) : [...releases.releases, entry] };
    await writeReleases(root, next);
  } catch (error) {
    throw undoMoves(moves, tarball, error, root);
  }
}

// The version asked for, or the one the tarball's name says (<name>-<vsn>.tar.gz), must be the one it holds: an
// upgrade to 0.3.0 would otherwise install the 0.2.0 a misnamed or mislaid tarball holds.
function refuseOtherVersion(found: Found, what: string, vsn: string, name: string): void {
  const named = found.explicit ? new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d[^/]*)\\.(?:tar\\.gz|tgz)$`).exec(basename(found.file))?.[1] : what;
  if (named !== undefined && named !== vsn) throw new UnpackError(`${found.file} holds version ${vsn} (releases/${vsn}/release.json), not ${named}${found.explicit ? ' as its name says' : ''}, so nothing was unpacked: give the tarball of ${named} (otp release --tar writes ${name}-${named}.tar.gz), or ask for ${vsn}`);
}

/** What the caller knows of the running node. */
export interface UnpackOptions {
  /** Why version `vsn`'s files (listed as unpacked) may not be replaced now (its install runs on the node), or undefined when they may. */
  inUse?: (vsn: string) => Promise<string | undefined>;
  /** Told once when the root's lock is held by another process (otp release, another unpack, the node's install), which it waits for. */
  onWait?: (holder: LockHolder | undefined) => void;
}

/**
 * Unpacks a release tarball into a release root beside the installed versions, as OTP's
 * release_handler:unpack_release: the whole tarball is extracted into a staging folder and every file
 * a boot or an install reads is checked there first; only then do the version's lib/ folders,
 * releases/<vsn>/ and missing npm packages move in, RELEASES.json last (it lists the version as
 * unpacked), and any failure takes the moves back. A version installed (permanent, current, old) is
 * never touched; an unpacked one is replaced by a tarball given by path, or by a different tarball
 * found by its version. `what` is a version (its tarball found in releases/ or the root) or a
 * tarball's path. Resolves to the version. A refused input (no such version, not a tarball of this
 * release, another build of an installed version) throws an UnpackError; a failure of the root's
 * file system part way, an UnpackFailed (or the file system's own error before anything moved).
 */
export async function unpack(root: string, what: string, options: UnpackOptions = {}): Promise<string> {
  const releases = await readReleases(root);
  const found = findTarball(root, releases.name, what);
  const listed = (vsn: string) => releases.releases.find((r) => r.vsn === vsn);
  if (!found) {
    if (listed(what) && hasVersion(root, what)) return what;
    // A path (it has a separator) that is no file is a tarball missing, not a version: never looked up under releases/.
    if (/[\\/]/.test(what) && !existsSync(what)) throw new UnpackError(`${what} does not exist, so nothing was unpacked: give the path of a ${releases.name}-<vsn>.tar.gz file that otp release --tar wrote, or a version whose tarball is in releases/`);
    const half = halfUnpacked(root, releases, what, 'upgrade');
    if (half !== undefined) throw new UnpackError(half);
    // A folder (the one the tarball is in, or one a tarball was extracted into) is not a version: say what to give instead.
    if (existsSync(what) && statSync(what).isDirectory()) throw new UnpackError(`${what} is a folder, not a release tarball, so nothing was unpacked: give the path of the ${releases.name}-<vsn>.tar.gz file that otp release --tar writes, or a version whose tarball is in releases/`);
    throw new UnpackError(`version ${what} is neither installed nor found as releases/${releases.name}-${what}.tar.gz: copy its tarball (otp release --tar) there, or give the tarball's path`);
  }
  const tarball = found.file;
  if (!existsSync(tarball)) throw new UnpackError(`${tarball} does not exist: give the path of a tarball written by otp release --tar`);
  const digest = sha256(tarball);
  // Found by its version: an installed version stays, and so does an unpacked one from this very tarball
  // (or built in place by otp release); a different tarball of an unpacked version replaces it.
  const entry = listed(what);
  if (!found.explicit && entry && hasVersion(root, what)) {
    const recorded = unpackedFrom(root, what);
    if (entry.status !== 'unpacked') return keptInstalled(root, entry.vsn, entry.status, digest, tarball);
    if (recorded === undefined || recorded.sha256 === digest) return what;
  }
  const staging = join(root, `.unpack-${process.pid}`);
  try {
    rmSync(staging, { recursive: true, force: true });
    // Not recursive: the root exists, and a recursive mkdir on a read-only file system says ENOENT rather than EROFS.
    mkdirSync(staging);
  } catch (error) {
    throw notWritten(tarball, root, error);
  }
  try {
    try {
      await extract({ file: tarball, cwd: staging, strict: true });
    } catch (error) {
      // The tarball was read (its digest taken): an error of the file system writing it out is the root's, not the tarball's.
      if (WRITE_FAILURES.has((error as NodeJS.ErrnoException).code ?? '')) throw notWritten(tarball, root, error);
      throw unreadableTarball(tarball, error);
    }
    const release = checkStaged(staging, tarball, releases.name);
    const vsn = release.vsn;
    refuseOtherVersion(found, what, vsn, releases.name);
    writeFileSync(join(staging, 'releases', vsn, 'unpacked.json'), `${JSON.stringify({ tarball: basename(tarball), sha256: digest } satisfies UnpackedFrom, null, 2)}\n`);
    // One unpack or install at a time changes the root: what it holds is read again under the lock.
    await withReleasesLock(root, async () => {
      const latest = await readReleases(root);
      const current = latest.releases.find((r) => r.vsn === vsn);
      if (current && current.status !== 'unpacked') return void keptInstalled(root, vsn, current.status, digest, tarball);
      // Another unpack of this very tarball finished while this one extracted: nothing to replace.
      if (current && hasVersion(root, vsn) && unpackedFrom(root, vsn)?.sha256 === digest && !found.explicit) return;
      // Asked only of a version listed (unpacked), the one kind an install can be running from.
      const busy = current ? await options.inUse?.(vsn) : undefined;
      if (busy !== undefined) throw new UnpackFailed(`${tarball} was not unpacked, so nothing under ${root} was changed: ${vsn} ${busy}, from the files it would replace: wait for that install to end (bin/${releases.name} versions shows it), then run it again`);
      await moveIn(root, staging, latest, release, tarball);
    }, { who: `an unpack of ${vsn}`, ...(options.onWait ? { onWait: options.onWait } : {}) });
    return vsn;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
