// Types of registry.mjs (plain JavaScript so that bench/ can use it too).
/** A verdaccio registry started by startRegistry. */
export interface Registry {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  /** The publishing user's token. */
  token: string;
  /** The environment that points npm and npx at it, with a private cache, user config and home. */
  env: NodeJS.ProcessEnv;
  /** Stops verdaccio. */
  stop(): Promise<void>;
  /** What verdaccio printed so far. */
  log(): string;
}
export function registryEnv(work: string, url: string, token?: string): NodeJS.ProcessEnv;
export function startRegistry(work: string): Promise<Registry>;
export function workspacePackages(): { name: string; dir: string }[];
export function dependencyFolders(extra?: string[]): string[];
export function publishDependencies(registry: Registry, work: string, extra?: string[]): Promise<number>;
export function publishRepository(registry: Registry, work: string): Promise<number>;
