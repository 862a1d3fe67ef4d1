// Checks an extracted release tarball in its staging folder before anything of it moves into the
// release root: every file a boot or an install reads must parse, so a bad tarball leaves no trace.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkReleaseFile, checkSysConfig, parseNodeArgs, ReleaseConfigError, type ReleaseApp, type ReleaseFile } from '@otp-ts/runtime/tools';
import { refusedNodeFlag } from '../node-flags.js';

/** A tarball refused by the check: one line naming it, the file inside, and the fix. */
export class UnpackError extends Error {
  override name = 'UnpackError';
}

const REBUILD = 'rebuild the tarball with otp release --tar';

// A file of the staged tarball as text; one that cannot be read refuses the tarball.
function readStaged(staging: string, rel: string, tarball: string): string {
  try {
    return readFileSync(join(staging, rel), 'utf8');
  } catch (error) {
    throw new UnpackError(`${tarball}: ${rel} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ${REBUILD}`);
  }
}

// A JSON file of the staged tarball, parsed; `fix` says what to correct when it does not parse.
function readStagedJson(staging: string, rel: string, tarball: string, fix: string): unknown {
  const text = readStaged(staging, rel, tarball);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UnpackError(`${tarball}: ${rel} is not valid JSON (${(error as Error).message}): ${fix}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isApp = (a: unknown): a is ReleaseApp => isObject(a) && typeof a.name === 'string' && typeof a.vsn === 'string';

/** The one version a staged tarball holds, with its release.json checked against the release `name`. */
function stagedRelease(staging: string, tarball: string, name: string): ReleaseFile {
  const dir = join(staging, 'releases');
  const versions = existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(join(dir, d, 'release.json'))) : [];
  if (versions.length !== 1) throw new UnpackError(`${tarball} holds ${versions.length} release versions, not one: it is not a tarball written by otp release --tar`);
  const vsn = versions[0]!;
  const rel = `releases/${vsn}/release.json`;
  const release = readStagedJson(staging, rel, tarball, REBUILD);
  if (!isObject(release) || typeof release.name !== 'string' || release.vsn !== vsn || !Array.isArray(release.applications) || !release.applications.every(isApp)) {
    throw new UnpackError(`${tarball}: ${rel} is not a release of version ${vsn} with a name and a list of applications: ${REBUILD}`);
  }
  // What a boot reads of it besides (an application's start type, the machine its native addons were built for), checked as a boot would.
  try {
    checkReleaseFile(release, rel);
  } catch (error) {
    throw new UnpackError(`${tarball}: ${(error as Error).message.replace(/: restore it from the version's tarball, or rebuild the release with otp release/, '')}, so nothing of it was unpacked: ${REBUILD}`);
  }
  if (release.name !== name) throw new UnpackError(`${tarball} is a release of ${release.name}, not ${name}, so nothing was unpacked: give a tarball of ${name} (otp release --tar in ${name}'s project), or unpack this one with the start script of a release root of ${release.name} (bin/${release.name})`);
  return release as unknown as ReleaseFile;
}

// node.args must parse, and this machine's Node.js must start with its Node.js flags (the tarball may come from a
// machine with another Node.js); a ${VAR} unset here may be set where the node boots, so only that is let through.
function checkNodeArgs(staging: string, vsn: string, tarball: string): void {
  const rel = `releases/${vsn}/node.args`;
  if (!existsSync(join(staging, rel))) return;
  const text = readStaged(staging, rel, tarball);
  let flags: readonly string[];
  try {
    flags = parseNodeArgs(text, process.env, rel).nodeFlags;
  } catch (error) {
    if (error instanceof ReleaseConfigError && / is not set: export /.test(error.message)) return;
    throw new UnpackError(`${tarball}: ${(error as Error).message} (in the project's config/node.args; then ${REBUILD})`);
  }
  const refused = refusedNodeFlag(flags);
  if (refused !== undefined) throw new UnpackError(`${tarball}: ${rel} has a Node.js flag this machine's Node.js ${process.version} will not start with, ${refused.flag} (${refused.why}), so nothing of it was unpacked: fix or remove it in the project's config/node.args, then ${REBUILD}`);
}

// relup.json, when there is one, must be the relup of this version.
function checkRelup(staging: string, vsn: string, tarball: string): void {
  const rel = `releases/${vsn}/relup.json`;
  if (!existsSync(join(staging, rel))) return;
  const relup = readStagedJson(staging, rel, tarball, `rebuild it with otp release --tar --upgrade-from VSN`);
  if (!isObject(relup) || relup.vsn !== vsn || !Array.isArray(relup.up) || !Array.isArray(relup.down)) {
    throw new UnpackError(`${tarball}: ${rel} is not the relup of ${vsn} (a vsn, and up and down lists): rebuild it with otp release --tar --upgrade-from VSN`);
  }
}

// Each application's app.json parses, names the application and version, and its modules are there.
function checkApp(staging: string, app: ReleaseApp, tarball: string): void {
  const dir = `lib/${app.name}-${app.vsn}`;
  if (!existsSync(join(staging, dir, 'app.json'))) throw new UnpackError(`${tarball} lacks ${dir}/app.json: it is incomplete, ${REBUILD}`);
  const file = readStagedJson(staging, `${dir}/app.json`, tarball, REBUILD);
  if (!isObject(file) || file.name !== app.name || file.vsn !== app.vsn || !isObject(file.modules)) {
    throw new UnpackError(`${tarball}: ${dir}/app.json is not the resource of ${app.name} ${app.vsn} (name, vsn, modules): ${REBUILD}`);
  }
  const missing = Object.values(file.modules).find((m) => typeof m !== 'string' || !existsSync(join(staging, dir, m)));
  if (missing !== undefined) throw new UnpackError(`${tarball}: ${dir}/app.json lists ${String(missing)}, which the tarball lacks: ${REBUILD}`);
}

/**
 * Checks everything a boot or an install of the staged version will read — release.json,
 * sys.config.json, node.args, relup.json, every application's app.json and modules — and returns its
 * release.json; throws an UnpackError naming the file and the fix.
 */
export function checkStaged(staging: string, tarball: string, name: string): ReleaseFile {
  const release = stagedRelease(staging, tarball, name);
  const sys = `releases/${release.vsn}/sys.config.json`;
  if (existsSync(join(staging, sys))) {
    const fix = `fix the project's config/sys.config.json, then ${REBUILD}`;
    try {
      checkSysConfig(readStagedJson(staging, sys, tarball, fix), sys);
    } catch (error) {
      if (error instanceof UnpackError) throw error;
      throw new UnpackError(`${tarball}: ${(error as Error).message}: ${fix}`);
    }
  }
  checkNodeArgs(staging, release.vsn, tarball);
  checkRelup(staging, release.vsn, tarball);
  for (const app of release.applications) checkApp(staging, app, tarball);
  return release;
}

/**
 * Why tar could not read `tarball`, in words naming it and the fix (no raw TAR_… or zlib code): an entry that would land
 * outside the folder it unpacks into, a file cut short (a copy or download that did not finish), or not a gzipped tar at all.
 */
export function unreadableTarball(tarball: string, error: unknown): UnpackError {
  const e = error as { code?: string; message?: string; path?: string; linkpath?: string };
  const nothing = 'so nothing of it was unpacked';
  const outside = e.code === 'TAR_ENTRY_ERROR' || e.code === 'TAR_ENTRY_INFO' ? (e.path ?? e.linkpath) : undefined;
  if (outside !== undefined && /^\/|(^|\/)\.\.(\/|$)/.test(outside)) {
    return new UnpackError(`${tarball} holds an entry outside the folder it unpacks into (${outside}), which no tarball written by otp release --tar has, ${nothing}: rebuild it with otp release --tar`, { cause: error });
  }
  if (e.code === 'Z_BUF_ERROR' || /^TAR_BAD_ARCHIVE: Truncated input/.test(e.message ?? '')) {
    return new UnpackError(`${tarball} is cut short (it ends part way through, as a copy or download that did not finish), ${nothing}: copy it again, or rebuild it with otp release --tar`, { cause: error });
  }
  if (e.code === 'Z_DATA_ERROR' || e.code === 'TAR_BAD_ARCHIVE') {
    return new UnpackError(`${tarball} is not a readable release tarball (not a gzip-compressed tar archive), ${nothing}: give the <name>-<vsn>.tar.gz file that otp release --tar writes; rebuild it with otp release --tar`, { cause: error });
  }
  const said = (e.message ?? String(error)).replace(/^(TAR_\w+|zlib): /, '');
  return new UnpackError(`${tarball} is not a readable release tarball (${said}), ${nothing}: rebuild it with otp release --tar`, { cause: error });
}
