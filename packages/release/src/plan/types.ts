import type { ReleaseFile, ReleasesFile, Relup } from '@otp-ts/runtime/tools';
import type { PlacedPackage } from './packages.js';

/** A release as otp.config.ts declares it (the shape of @otp-ts/cli's ReleaseConfig). */
export interface ReleaseSpec {
  /** Default: the root package's version. */
  version?: string;
  /** Applications the release starts; their dependencies are added before them. */
  applications: string[];
  /** Copy the Node.js binary into the release. */
  includeNode?: boolean;
}

/** What planRelease needs: the project, the profile, the config's releases and the command's flags. */
export interface PlanOptions {
  /** The project root (the folder with the root package.json). */
  root: string;
  /** The build profile whose compiled output is released; default `prod`. */
  profile?: string;
  /** The build folder (otp.config.ts's `build.outDir`), under the root: applications are read from `<buildDir>/<profile>/lib`, the release written to `<buildDir>/<profile>/rel/<name>`; default `_build`. */
  buildDir?: string;
  /** otp.config.ts's `releases`; none (or empty) means one release named after the root package with every app. */
  releases?: Record<string, ReleaseSpec>;
  /** Which release of the config; default the first one declared. */
  name?: string;
  /** Copy process.execPath into the release as node/bin/node. */
  includeNode?: boolean;
  /** Also write `<name>-<vsn>.tar.gz` in the release root. */
  tar?: boolean;
  /** An earlier version in the release root, or the path of an earlier release's tarball: compute a relup from it. */
  upgradeFrom?: string;
  /** The profile's per-application `env` of otp.config.ts, merged key by key over config/sys.config.json. */
  env?: Record<string, Record<string, unknown>>;
}

/** One application of the plan: its version and the compiled folder it is copied from. */
export interface PlannedApp {
  name: string;
  vsn: string;
  /** `_build/<profile>/lib/<app>-<vsn>` of the project. */
  dir: string;
  /** The application's source folder (its package.json), where an upgrade.ts override lives. */
  sourceDir: string;
  /** Its npm dependencies, transitively, carried in its own `lib/<app>-<vsn>/node_modules/` (each version sees its own). */
  dependencies: PlacedPackage[];
}

/** One file of the release, relative to its root: copied from `from`, or written with `content`. */
export interface PlannedFile {
  path: string;
  from?: string;
  content?: string;
  /** File mode, e.g. 0o755 for the start script and the Node.js binary. */
  mode?: number;
}

/** Where the node's cookie in node.args came from. */
export type CookieSource = 'node.args' | 'earlier' | 'generated';

/** Everything `otp release` will write, computed before anything is written. */
export interface ReleasePlan {
  name: string;
  vsn: string;
  profile: string;
  /** The project root. */
  projectRoot: string;
  /** The release root, `_build/<profile>/rel/<name>`. */
  root: string;
  /** The tarball's path, with `tar`. */
  tarball?: string;
  /** In start order, dependencies first. */
  apps: PlannedApp[];
  /** `releases/<vsn>/release.json`. */
  release: ReleaseFile;
  /** `releases/RELEASES.json` of the root once this version is in. */
  releases: ReleasesFile;
  /** `releases/<vsn>/sys.config.json`. */
  sysConfig: Record<string, Record<string, unknown>>;
  /** `releases/<vsn>/node.args`, with the name and cookie it needs. */
  nodeArgs: string;
  cookieSource: CookieSource;
  /** `releases/<vsn>/relup.json`, with upgradeFrom. */
  relup?: Relup;
  includeNode: boolean;
  /** Every file of this version, relative to the root (RELEASES.json here lists this version alone, as in its tarball). */
  files: PlannedFile[];
  /** Things worth telling the user that do not stop the release. */
  warnings: string[];
}
