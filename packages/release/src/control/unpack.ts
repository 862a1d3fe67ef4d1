import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { extract } from 'tar';
import { hasVersion, readReleases, writeReleases, type ReleaseFile } from '@otp-ts/runtime';

function findTarball(root: string, name: string, what: string): string | undefined {
  if (/\.tar\.gz$|\.tgz$/.test(what) || (existsSync(what) && statSync(what).isFile())) return resolve(what);
  return [join(root, 'releases', `${name}-${what}.tar.gz`), join(root, `${name}-${what}.tar.gz`)].find((f) => existsSync(f));
}

// Moves what `from` has and `to` lacks (one level: lib/<app>-<vsn>, node_modules/<pkg>, node_modules/@scope/<pkg>).
function mergeMissing(from: string, to: string, depth = 1): void {
  if (!existsSync(from)) return;
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    const src = join(from, entry);
    const dst = join(to, entry);
    if (!existsSync(dst)) renameSync(src, dst);
    else if (depth > 0 && entry.startsWith('@')) mergeMissing(src, dst, depth - 1);
  }
}

/**
 * Unpacks a release tarball into a release root beside the installed versions, as OTP's
 * release_handler:unpack_release: the version's lib/ folders, releases/<vsn>/ and missing npm packages
 * move in only after the whole tarball extracted and checked; RELEASES.json lists it as unpacked.
 * `what` is a version (its tarball found in releases/ or the root) or a tarball's path. Resolves to the version.
 */
export async function unpack(root: string, what: string): Promise<string> {
  const releases = await readReleases(root);
  const tarball = findTarball(root, releases.name, what);
  if (!tarball) {
    if (hasVersion(root, what)) return what;
    throw new Error(`version ${what} is neither installed nor found as releases/${releases.name}-${what}.tar.gz: copy its tarball (otp release --tar) there, or give the tarball's path`);
  }
  if (!existsSync(tarball)) throw new Error(`${tarball} does not exist: give the path of a tarball written by otp release --tar`);
  const staging = join(root, `.unpack-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    try {
      await extract({ file: tarball, cwd: staging, strict: true });
    } catch (error) {
      throw new Error(`${tarball} is not a readable release tarball (${(error as Error).message}): rebuild it with otp release --tar`, { cause: error });
    }
    const versions = existsSync(join(staging, 'releases')) ? readdirSync(join(staging, 'releases')).filter((d) => existsSync(join(staging, 'releases', d, 'release.json'))) : [];
    if (versions.length !== 1) throw new Error(`${tarball} holds ${versions.length} release versions, not one: it is not a tarball written by otp release --tar`);
    const vsn = versions[0]!;
    const release = JSON.parse(readFileSync(join(staging, 'releases', vsn, 'release.json'), 'utf8')) as ReleaseFile;
    if (release.name !== releases.name) throw new Error(`${tarball} is a release of ${release.name}, not ${releases.name}`);
    for (const app of release.applications) {
      if (!existsSync(join(staging, 'lib', `${app.name}-${app.vsn}`, 'app.json'))) throw new Error(`${tarball} lacks lib/${app.name}-${app.vsn}: it is incomplete, rebuild it with otp release --tar`);
    }
    if (hasVersion(root, vsn)) return vsn;
    mergeMissing(join(staging, 'lib'), join(root, 'lib'), 0);
    mergeMissing(join(staging, 'node_modules'), join(root, 'node_modules'));
    renameSync(join(staging, 'releases', vsn), join(root, 'releases', vsn));
    releases.releases.push({ vsn, status: 'unpacked', applications: release.applications });
    await writeReleases(root, releases);
    return vsn;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
