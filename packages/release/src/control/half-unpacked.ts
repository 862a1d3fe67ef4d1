// A version whose files are in a release root only in part (releases/<vsn>/ without its RELEASES.json entry): what
// upgrade and downgrade say of it, rather than advise the other command or say it is not found.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReleaseFile, ReleasesFile } from '@otp-ts/runtime/tools';

/**
 * What is wrong with version `vsn`'s files when releases/<vsn>/ is in `root` but RELEASES.json does not list it (a
 * tarball extracted by hand, or part way): the folders there and missing, and the fix. Undefined when `vsn` is listed or
 * has no folder: an install reads only a listed version, so such files are neither installed nor unpacked.
 */
export function halfUnpacked(root: string, releases: ReleasesFile, vsn: string, verb: string): string | undefined {
  // '.' and '..' name releases/ and the root, folders every root has: no version of them is unpacked in part.
  if (vsn === '.' || vsn === '..' || vsn.includes('/') || vsn.includes('\\') || releases.releases.some((r) => r.vsn === vsn) || !existsSync(join(root, 'releases', vsn))) return undefined;
  let libs = `lib/ was not checked (its releases/${vsn}/release.json is unreadable)`;
  try {
    const release = JSON.parse(readFileSync(join(root, 'releases', vsn, 'release.json'), 'utf8')) as ReleaseFile;
    const missing = release.applications.map((a) => `lib/${a.name}-${a.vsn}`).filter((d) => !existsSync(join(root, d)));
    libs = missing.length > 0 ? `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing` : 'its lib/ folders are there';
  } catch {
    // No readable release.json: the folder is a part of the tarball at most.
  }
  const tarball = `${releases.name}-${vsn}.tar.gz`;
  return `${vsn} is not unpacked here, so nothing was installed: releases/${vsn}/ exists but releases/RELEASES.json does not list ${vsn} and ${libs} (its tarball extracted by hand, or part way): unpack its tarball again with bin/${releases.name} unpack path/to/${tarball} (or copy ${tarball} into releases/ and run bin/${releases.name} unpack ${vsn}), which replaces those files, then run ${verb} ${vsn}`;
}
