import type { TableConfigOptions } from '@otp-ts/test-runner';

/** A release (rebar3's relx entry): which applications it boots, at which version. */
export interface ReleaseConfig {
  /** The release version; default: the root package's version. */
  version?: string;
  /** Applications the release starts, in order, with their dependencies; default: every app of the project. */
  applications: string[];
  /** Copy the Node.js binary into the release. Default: false. */
  includeNode?: boolean;
}

/** How `otp compile` builds modules. */
export interface BuildConfig {
  /** Where compiled modules go, under the project root. Default: `_build`. */
  outDir?: string;
  /** esbuild's target. Default: `node20`. */
  target?: string;
  /** Emit source maps. Default: true. */
  sourceMaps?: boolean;
  /** Minify the output. Default: false. */
  minify?: boolean;
}

/**
 * How `otp test` finds and runs tests: paths, timeout, numtests, jobs, keepLogs, passWithNoTests, ignoreAutoSkips, reporters and
 * cover; derived from `testOptionTable` of @otp-ts/test-runner, whose descriptions and defaults say what each does.
 */
export type TestConfig = TableConfigOptions;

/** What a profile (`--profile NAME`) changes: build and test options, and application env overrides. */
export interface ProfileConfig {
  build?: BuildConfig;
  test?: TestConfig;
  /** Per-application env, like sys.config: `{ shop: { port: 80 } }`. */
  env?: Record<string, Record<string, unknown>>;
}

/** The contents of `otp.config.ts` (rebar.config's part); every key is optional. */
export interface OtpConfig {
  /** Releases by name. */
  releases?: Record<string, ReleaseConfig>;
  /** Profiles by name; `dev` is the default, `test` is used by `otp test`, `prod` by `otp release`. */
  profiles?: Record<string, ProfileConfig>;
  build?: BuildConfig;
  test?: TestConfig;
}

/** A config with every default filled in, for one profile. */
export interface ResolvedConfig {
  profile: string;
  releases: Record<string, ReleaseConfig>;
  build: Required<Omit<BuildConfig, never>>;
  /** The test options otp.config.ts (or the table's default) sets; `cover` has no default. */
  test: TestConfig;
  env: Record<string, Record<string, unknown>>;
}

/** Types `otp.config.ts`'s default export; returns its argument unchanged. */
export function defineConfig(config: OtpConfig): OtpConfig {
  return config;
}
