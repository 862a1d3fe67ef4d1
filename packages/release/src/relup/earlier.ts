import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { x as extract } from 'tar';
import type { ReleaseFile, ReleasesFile } from '@otp-ts/runtime/tools';
import { ReleaseError } from '../errors.js';
import { readJson } from '../files.js';
import type { VersionSource } from './compute.js';

/** An earlier version to upgrade from; dispose removes what reading it unpacked. */
export interface EarlierVersion extends VersionSource {
  dispose(): void;
}

function fromRoot(root: string, vsn: string, where: string, fail: (message: string) => never): VersionSource {
  const release = readJson<ReleaseFile>(join(root, 'releases', vsn, 'release.json'), 'the release version');
  if (!release) return fail(`has no releases/${vsn}/release.json`);
  const apps = release.applications.map((a) => ({ name: a.name, vsn: a.vsn, dir: join(root, 'lib', `${a.name}-${a.vsn}`) }));
  const missing = apps.find((a) => !existsSync(join(a.dir, 'app.json')));
  if (missing) return fail(`lacks lib/${missing.name}-${missing.vsn}/app.json of version ${vsn}${where}`);
  return { vsn: release.vsn, apps };
}

async function fromTarball(file: string): Promise<EarlierVersion> {
  const dir = mkdtempSync(join(tmpdir(), 'otp-upgrade-from-'));
  const dispose = (): void => rmSync(dir, { recursive: true, force: true });
  const fail = (message: string, cause?: unknown): never => {
    dispose();
    throw new ReleaseError('badTarball', `${file} ${message}: give the tarball otp release --tar wrote for the earlier version`, { file, cause });
  };
  try {
    await extract({ file, cwd: dir, strict: true });
  } catch (error) {
    fail(`cannot be unpacked (${(error as Error).message})`, error);
  }
  let releases: ReleasesFile | undefined;
  try {
    releases = readJson<ReleasesFile>(join(dir, 'releases', 'RELEASES.json'), 'the tarball');
  } catch (error) {
    fail('holds a broken releases/RELEASES.json', error);
  }
  const vsn = (releases?.releases.find((r) => r.status === 'permanent') ?? releases?.releases[0])?.vsn;
  if (!vsn) return fail('is not a release tarball (it has no releases/RELEASES.json listing a version)');
  return { ...fromRoot(dir, vsn, '', (m) => fail(m)), dispose };
}

/**
 * The earlier version `from` names: a version in the release root (releases/VSN and its lib folders),
 * or the path of an earlier release's tarball, unpacked to a temporary folder.
 */
export async function findEarlierVersion(root: string, name: string, from: string, existing: ReleasesFile | undefined): Promise<EarlierVersion> {
  const path = resolve(from);
  if (/\.(tar\.gz|tgz)$/.test(from) || (existsSync(path) && statSync(path).isFile())) {
    if (!existsSync(path)) throw new ReleaseError('badTarball', `--upgrade-from ${from}: no such tarball: give the path of an earlier release's .tar.gz, or one of its versions`, { file: path });
    return fromTarball(path);
  }
  const versions = (existing?.releases ?? []).map((r) => r.vsn);
  if (!versions.includes(from)) {
    const have = versions.length ? `it has ${versions.join(', ')}` : 'it has none yet';
    // 'v0.1.0' or ' 0.1.0' for a version the root has: the one meant, as the start script's upgrade says.
    const bare = from.trim().replace(/^v(?=\d)/i, '');
    const meant = bare !== from && versions.includes(bare) ? `did you mean ${bare}? otp release --upgrade-from ${bare}` : 'build that version first, or give the path of its tarball';
    throw new ReleaseError('unknownVersion', `release ${name} has no version ${from} in ${root} (${have}): ${meant}`, { file: join(root, 'releases', 'RELEASES.json') });
  }
  const fail = (message: string): never => {
    throw new ReleaseError('unknownVersion', `the release root ${root} ${message}: rebuild version ${from} (otp release) or give the path of its tarball`, { file: join(root, 'releases', from) });
  };
  return { ...fromRoot(root, from, ` (${root})`, fail), dispose: () => {} };
}
