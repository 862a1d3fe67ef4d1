import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { withReleasesLock, type ReleasesFile } from '@otp-ts/runtime/tools';
import { basename, dirname, join, relative } from 'node:path';
import { ReleaseError } from '../errors.js';
import type { PlannedFile, ReleasePlan } from '../plan/types.js';
import { Installer, pauseForTest, pieces } from './install.js';
import { refuseInstalling } from '../plan/plan-release.js';
import { journal, removeAbandoned } from './journal.js';
import { nextReleases } from '../plan/releases-file.js';
import { writeTarball } from './tarball.js';

/** Options of assembleRelease. */
export interface AssembleOptions {
  /** Called with a line per step (`copying node_modules`); a throw aborts the assembly, which changes nothing. */
  onProgress?: (line: string) => void;
}

/** What assembleRelease wrote. */
export interface AssembleResult {
  /** The release root. */
  root: string;
  vsn: string;
  /** Files and bytes of this version (what its tarball holds). */
  files: number;
  bytes: number;
  /** The tarball and its size, with `tar`. */
  tarball?: { file: string; bytes: number };
}

const step = (path: string): string => {
  if (path.startsWith('node_modules/')) return 'copying node_modules';
  if (path.startsWith('node/')) return 'copying the Node.js binary';
  if (path.startsWith('lib/')) return 'copying applications';
  return 'writing the release files';
};

function writeFile(staged: string, file: PlannedFile): number {
  const target = join(staged, file.path);
  mkdirSync(dirname(target), { recursive: true });
  // Created with its mode, so a secret (node.args' cookie) is never readable by others, even for a moment.
  if (file.content !== undefined) writeFileSync(target, file.content, file.mode === undefined ? undefined : { mode: file.mode });
  else copyFileSync(file.from!, target);
  if (file.mode !== undefined) chmodSync(target, file.mode);
  return statSync(target).size;
}

function stage(plan: ReleasePlan, staged: string, progress: (line: string) => void): number {
  let bytes = 0;
  let last = '';
  for (const file of plan.files) {
    const label = step(file.path);
    if (label !== last) progress((last = label));
    bytes += writeFile(staged, file);
  }
  return bytes;
}

function install(plan: ReleasePlan, staged: string, tarball: string | undefined, installer: Installer): void {
  for (const piece of pieces(staged)) installer.move(join(staged, piece), piece);
  if (tarball) installer.move(tarball, basename(plan.tarball!));
}

// RELEASES.json as the root has it now, with this version added (or its entry updated): the running node (an install
// made permanent) or bin/<name> unpack may have rewritten it since the plan read it. Called under the root's lock.
function writeReleasesFile(plan: ReleasePlan, installer: Installer): void {
  const file = join(plan.root, 'releases', 'RELEASES.json');
  let now: ReleasesFile | undefined;
  try {
    now = JSON.parse(readFileSync(file, 'utf8')) as ReleasesFile;
  } catch {
    now = undefined;
  }
  const releases = now && Array.isArray(now.releases) ? nextReleases(now, plan.name, plan.vsn, plan.release.applications) : plan.releases;
  installer.write('releases/RELEASES.json', `${JSON.stringify(releases, null, 2)}\n`);
}

// The moves and RELEASES.json, under the root's lock (a root with no RELEASES.json yet has no node nor unpack to race). A node
// marks an install under that lock too: one it started since the plan is refused here, before any move, and one it starts
// now waits until the version's files are all in.
async function moveIn(plan: ReleasePlan, staged: string, tarball: string | undefined, installer: Installer): Promise<void> {
  pauseForTest('lock');
  const work = async (): Promise<void> => {
    refuseInstalling(plan.root, plan.name, plan.vsn);
    install(plan, staged, tarball, installer);
    writeReleasesFile(plan, installer);
  };
  await (existsSync(join(plan.root, 'releases', 'RELEASES.json')) ? withReleasesLock(plan.root, work, { who: `otp release (moving ${plan.name} ${plan.vsn} in)` }) : work());
}


// The file standing where a folder of the release must be made (`path` failed with ENOTDIR or EEXIST): `path` or its nearest
// ancestor that exists, when that is not a folder.
function fileInTheWay(error: unknown): string | undefined {
  const { code, path } = error as NodeJS.ErrnoException;
  if ((code !== 'ENOTDIR' && code !== 'EEXIST') || path === undefined) return undefined;
  let at = path;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return existsSync(at) && !statSync(at).isDirectory() ? at : undefined;
}

/** The ReleaseError of a failed assembly: a file where a folder goes is named, with the fix. */
function assemblyFailed(plan: ReleasePlan, error: unknown): ReleaseError {
  const file = fileInTheWay(error);
  const why = file === undefined ? ` (${(error as Error).message})` : `: ${file} is a file where otp release must make a folder: move it away (or remove it) and run otp release again`;
  return new ReleaseError('assembly', `assembling release ${plan.name} ${plan.vsn} failed${why}; ${plan.root} was left as it was`, { cause: error, file: file ?? (error as { path?: string }).path });
}

const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;

/**
 * Runs the install (its moves, then RELEASES.json under the root's lock) with SIGINT and SIGTERM held until it completes, as a half-moved root is the one
 * thing a Ctrl-C must not leave. Resolves to the signal that came meanwhile, if one did.
 */
async function uninterrupted(work: () => Promise<void>): Promise<keyof typeof SIGNALS | undefined> {
  let caught: keyof typeof SIGNALS | undefined;
  const hold = (signal: NodeJS.Signals) => (caught ??= signal as keyof typeof SIGNALS);
  for (const signal of Object.keys(SIGNALS)) process.on(signal, hold);
  try {
    await work();
    // A signal that arrived during the renames is handled in the event loop's next poll phase: two turns pass one.
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    for (const signal of Object.keys(SIGNALS)) process.off(signal, hold);
  }
  return caught;
}

/**
 * Writes a planned release version into its release root, which keeps its other versions. The version
 * is assembled in a staging folder beside the root (a runnable one-version root: the tarball is made
 * from it), then moved in piece by piece, RELEASES.json last; any failure puts the root back as it was.
 */
export async function assembleRelease(plan: ReleasePlan, options: AssembleOptions = {}): Promise<AssembleResult> {
  const progress = options.onProgress ?? (() => {});
  try {
    mkdirSync(dirname(plan.root), { recursive: true });
  } catch (error) {
    throw assemblyFailed(plan, error);
  }
  const abandoned = removeAbandoned(dirname(plan.root), plan.name);
  if (abandoned.undone > 0) progress(`put back what ${abandoned.undone} interrupted release${abandoned.undone === 1 ? '' : 's'} had replaced in the release root`);
  if (abandoned.removed > 0) progress(`removed ${abandoned.removed} staging folder${abandoned.removed === 1 ? '' : 's'} of an interrupted release`);
  const work = mkdtempSync(join(dirname(plan.root), `.${plan.name}-staging-${process.pid}-`));
  const staged = join(work, 'root');
  const attic = join(work, 'replaced');
  mkdirSync(attic);
  const installer = new Installer(plan.root, attic, work);
  let stopped: keyof typeof SIGNALS | undefined;
  try {
    progress(`assembling ${plan.name} ${plan.vsn}`);
    const bytes = stage(plan, staged, progress);
    let tarball: AssembleResult['tarball'];
    if (plan.tarball) {
      progress('writing tarball');
      const file = join(work, basename(plan.tarball));
      await writeTarball(staged, file);
      // The tarball holds node.args, cookie included: owner-only as that file is.
      chmodSync(file, 0o600);
      tarball = { file: plan.tarball, bytes: statSync(file).size };
    }
    progress(`installing into ${relative(plan.projectRoot, plan.root) || plan.root}`);
    stopped = await uninterrupted(async () => {
      await moveIn(plan, staged, tarball && join(work, basename(plan.tarball!)), installer);
      journal(work, 'done');
    });
    return { root: plan.root, vsn: plan.vsn, files: plan.files.length, bytes, tarball };
  } catch (error) {
    installer.undo();
    if (error instanceof ReleaseError) throw error;
    throw assemblyFailed(plan, error);
  } finally {
    rmSync(work, { recursive: true, force: true });
    // The signal held during the install ends the process now, the root complete, as it would have (exit 130, 143).
    if (stopped !== undefined) process.exit(128 + SIGNALS[stopped]);
  }
}
