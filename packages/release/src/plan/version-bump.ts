import { join } from 'node:path';
import type { ReleasesFile } from '@otp-ts/runtime/tools';
import { ReleaseError } from '../errors.js';
import type { ReleaseSpec } from './types.js';

type AppVersion = { name: string; vsn: string };

/** Where a project sets its release's version: otp.config.ts's `releases.<name>.version`, else the root package.json's. */
export function versionSetting(root: string, name: string, spec: ReleaseSpec): { file: string; what: string } {
  return spec.version !== undefined ? { file: join(root, 'otp.config.ts'), what: `releases.${name}.version in otp.config.ts` } : { file: join(root, 'package.json'), what: '"version" in package.json' };
}

/** The applications whose version differs between two builds of a release, as `app 0.1.0 → 0.2.0` (an added one `app (new) 0.2.0`). */
export function bumpedApps(before: readonly AppVersion[], now: readonly AppVersion[]): string[] {
  const was = new Map(before.map((a) => [a.name, a.vsn]));
  return now.filter((a) => was.get(a.name) !== a.vsn).map((a) => `${a.name} ${was.get(a.name) ?? '(new)'} → ${a.vsn}`);
}

/**
 * The error for a release whose applications' versions were bumped while its own was not (an umbrella bumps both):
 * it names the applications, their two versions, the release version and where to bump it.
 */
export function releaseNotBumped(name: string, vsn: string, bumped: readonly string[], setting: { file: string; what: string }, why: string): ReleaseError {
  const apps = bumped.length === 1 ? `application ${bumped[0]}` : `applications ${bumped.join(', ')}`;
  return new ReleaseError('sameVersion', `${apps} but release ${name} is still ${vsn} (${setting.what}), ${why}: bump the release's version there too, to a version this root does not have`, { file: setting.file });
}

/**
 * Refuses to rebuild a release version installed beside others (permanent or old: a node may run it, a relup was computed
 * from it) with other application versions, as it is refused with other code under the same ones.
 */
export function checkInstalledVersion(existing: ReleasesFile | undefined, name: string, vsn: string, apps: readonly AppVersion[], setting: { file: string; what: string }): void {
  const installed = existing?.releases.find((r) => r.vsn === vsn && (r.status === 'permanent' || r.status === 'old'));
  if (!installed || existing!.releases.length < 2) return;
  const bumped = bumpedApps(installed.applications, apps);
  if (bumped.length > 0) throw releaseNotBumped(name, vsn, bumped, setting, `which is installed in this root (${installed.status}) and does not change`);
}
