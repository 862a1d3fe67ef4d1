import { testOptionTable, type TestOptionSpec } from '@otp-ts/test-runner';
import { OtpError } from '../errors/otp-error.js';
import { didYouMean } from '../cli/suggest.js';
import type { OtpConfig, ResolvedConfig } from './types.js';

/** The built-in profiles; others may be declared in `profiles`. */
export const builtinProfiles = ['dev', 'test', 'prod'] as const;

/** Defaults of every option, for a project without a config file. */
export const defaults: Omit<ResolvedConfig, 'profile'> = {
  releases: {},
  build: { outDir: '_build', target: 'node20', sourceMaps: true, minify: false },
  test: Object.fromEntries((testOptionTable as readonly TestOptionSpec[]).flatMap((o) => (o.config !== undefined && o.default !== undefined ? [[o.config, o.default]] : []))),
  env: {},
};

/** Merges defaults, the top-level options and the profile's (pure); `prod` minifies unless told otherwise; an unknown profile is a usage error. */
export function resolveConfig(config: OtpConfig, profile = 'dev'): ResolvedConfig {
  const known = [...new Set([...builtinProfiles, ...Object.keys(config.profiles ?? {})])];
  if (!known.includes(profile)) {
    throw new OtpError('usage', `unknown profile '${profile}'${didYouMean(profile, known)}: use ${known.join(', ')} or declare it under 'profiles' in otp.config.ts`);
  }
  const p = config.profiles?.[profile] ?? {};
  const implied = profile === 'prod' ? { minify: true } : {};
  return {
    profile,
    releases: { ...config.releases },
    build: { ...defaults.build, ...implied, ...config.build, ...p.build },
    test: { ...defaults.test, ...config.test, ...p.test },
    env: { ...p.env },
  };
}
