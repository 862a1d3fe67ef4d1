import type { ReleaseApp, ReleasesFile } from '@otp-ts/runtime/tools';

/**
 * RELEASES.json once `vsn` is in (pure): a rebuilt version keeps its place and status; a new one is
 * `permanent` when no version is, else `unpacked` (the running node installs it with `upgrade VSN`).
 */
export function nextReleases(existing: ReleasesFile | undefined, name: string, vsn: string, applications: ReleaseApp[]): ReleasesFile {
  const releases = existing?.releases ?? [];
  const same = releases.find((r) => r.vsn === vsn);
  if (same) return { name, releases: releases.map((r) => (r.vsn === vsn ? { vsn, status: r.status, applications } : r)) };
  const status = releases.some((r) => r.status === 'permanent') ? 'unpacked' : 'permanent';
  return { name, releases: [...releases, { vsn, status, applications }] };
}

/** RELEASES.json of a root holding one version alone, permanent (a tarball's). */
export function soleRelease(name: string, vsn: string, applications: ReleaseApp[]): ReleasesFile {
  return { name, releases: [{ vsn, status: 'permanent', applications }] };
}
