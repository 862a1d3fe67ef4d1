import { loadConfig } from '../config/load.js';
import { findProject, type Project } from '../project/find.js';
import type { OtpConfig } from '../config/types.js';
import type { Io } from './io.js';

/** otp.config.ts as loaded: the config (empty when there is none) and its file. */
export interface LoadedConfig {
  config: OtpConfig;
  file?: string;
}

/**
 * What the commands of one `otp` run share (rebar3's provider state): the project and its otp.config.ts,
 * each found or loaded once and handed along the provider chain, so `otp release` bundles the config once
 * for compile and release alike.
 */
export interface ProviderState {
  /** The project around the working directory. */
  project(): Project;
  /** The project's otp.config.ts, bundled, imported and checked on the first call. */
  config(): Promise<LoadedConfig>;
  /** Set by a command that says the compile's warnings itself: otp release says one it refuses for only once, as the refusal. */
  heldWarnings?: string[];
}

/** A state for one run of the CLI, resolving lazily: a command that needs no project never looks for one. */
export function createProviderState(io: Pick<Io, 'cwd'>): ProviderState {
  let project: Project | undefined;
  let config: Promise<LoadedConfig> | undefined;
  const state: ProviderState = {
    project: () => (project ??= findProject(io.cwd)),
    config: () => (config ??= loadConfig(state.project().root)),
  };
  return state;
}
