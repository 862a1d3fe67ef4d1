/**
 * The files of an assembled release (SPEC §6), as data. `@otp-ts/release` writes them; the release
 * handler on a running node reads them. A release root looks like:
 *
 *   bin/<name>                          the start script (POSIX sh), running bin/<name>.mjs
 *   bin/<name>.mjs                      the start script's program (boot, and the client commands)
 *   releases/<vsn>/release.json         ReleaseFile
 *   releases/<vsn>/sys.config.json      per-application env, `${VAR}` / `${VAR:-default}` substituted at boot
 *   releases/<vsn>/node.args            node flags: --name, --cookie, --setcookie, Node.js flags
 *   releases/<vsn>/relup.json           Relup, when the release was built with --upgrade-from
 *   releases/RELEASES.json              ReleasesFile
 *   lib/<app>-<vsn>/                    compiled modules, app.json (AppFile), priv/
 *   node_modules/                       the runtime and the applications' npm dependencies
 *   node/bin/node                       with --include-node
 */

/** One application of a release, in start order (dependencies first). */
export interface ReleaseApp {
  name: string;
  vsn: string;
  /** How it is started; default 'permanent' (its stop stops the node, as in OTP). */
  type?: 'permanent' | 'transient' | 'temporary';
}

/** `releases/<vsn>/release.json`: the release's name, version and applications. */
export interface ReleaseFile {
  name: string;
  vsn: string;
  /** The Node.js version the release was assembled with (`process.versions.node`). */
  node: string;
  /** The version of @otp-ts/runtime in the release. */
  runtime: string;
  /** In start order; stopped in reverse. */
  applications: ReleaseApp[];
  /** With native addons (`.node` files) in its packages: the machine they were built for, which alone boots the release. */
  native?: NativeBuild;
}

/** The platform, arch and Node.js ABI (`process.versions.modules`) a release's native addons were built for, and the addons. */
export interface NativeBuild {
  platform: string;
  arch: string;
  abi: string;
  /** As `package (path in it)`. */
  addons: string[];
}

/** How an installed version stands: OTP's RELEASES statuses. */
export type ReleaseStatus = 'permanent' | 'current' | 'old' | 'unpacked';

/** `releases/RELEASES.json`: the versions installed in a release root and which one boots. */
export interface ReleasesFile {
  name: string;
  releases: Array<{ vsn: string; status: ReleaseStatus; applications: ReleaseApp[] }>;
}

/** A changed module of an application, and whether processes running it need codeChange. */
export interface ModuleChange {
  module: string;
  /** The behaviour its exports implement, when one does: its processes are suspended and migrated. */
  behaviour?: 'gen_server' | 'gen_statem' | 'gen_event' | 'supervisor';
}

/** What one application does in an upgrade step. */
export type AppChange =
  | { kind: 'add'; app: string; vsn: string }
  | { kind: 'remove'; app: string; vsn: string }
  | {
      kind: 'change';
      app: string;
      from: string;
      to: string;
      /** Module names (e.g. `shop/cart_server`) added, removed and changed, by compiled content. */
      added: string[];
      removed: string[];
      changed: ModuleChange[];
      /** Passed to every codeChange of this application as `extra`. */
      extra?: unknown;
    };

/** The steps from (or to) one other version: applications in the order they are handled. */
export interface RelupStep {
  /** The version upgraded from (in `up`) or downgraded to (in `down`). */
  vsn: string;
  apps: AppChange[];
}

/** `releases/<vsn>/relup.json`: how to reach `vsn` from earlier versions and go back to them. */
export interface Relup {
  vsn: string;
  up: RelupStep[];
  down: RelupStep[];
}
