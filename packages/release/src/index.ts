/** @otp-ts/release: release assembly, tarballs, relups and the start script. */
export { planRelease } from './plan/plan-release.js';
export type { PlanOptions, ReleasePlan, ReleaseSpec, PlannedApp, PlannedFile, CookieSource } from './plan/types.js';
export { startOrder } from './plan/apps.js';
export type { AppDeps } from './plan/apps.js';
export { parseSysConfig, releaseNodeArgs, cookieOf, nodeNameOf } from './plan/config-files.js';
export { nextReleases, soleRelease } from './plan/releases-file.js';
export { assembleRelease } from './assemble/assemble.js';
export type { AssembleOptions, AssembleResult } from './assemble/assemble.js';
export { computeRelup } from './relup/compute.js';
export type { VersionSource, RelupOptions } from './relup/compute.js';
export { diffApps, invertChanges } from './relup/diff.js';
export type { AppContents } from './relup/diff.js';
export { behaviourOf } from './relup/behaviour.js';
export { validateOverride, OVERRIDE_FILE } from './relup/override.js';
export type { AppChangeOverride, OverrideContext } from './relup/override.js';
export { ReleaseError } from './errors.js';
export type { ReleaseErrorCode, ReleaseErrorOptions } from './errors.js';
export { startScript, controlProgramPath } from './control/script.js';
