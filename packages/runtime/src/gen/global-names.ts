import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';

/**
 * What the generic layer needs of cluster-wide names for `{ global: name }` (OTP's `{global, Name}`): the
 * global service (a layer above) installs it when it loads, so gen/ never imports it.
 */
export interface GlobalNames {
  /** The pid registered under `name`, from the calling node's replica. */
  whereis(ctx: ProcessContext, name: string): Pid | undefined;
  /** Takes `name` for `pid` across the cluster; false if another process holds it. */
  register(ctx: ProcessContext, name: string, pid: Pid): Promise<boolean>;
  /** Gives `name` up across the cluster. */
  unregister(ctx: ProcessContext, name: string): Promise<void>;
}

let installed: GlobalNames | null = null;

/** Installs the global name service (called once by global/ when it loads). */
export function installGlobalNames(names: GlobalNames): void {
  installed = names;
}

/** The global name service, or a clear error when it is not loaded. */
export function globalNames(): GlobalNames {
  if (installed === null) throw new Error('global names are not available: import the runtime from its package entry, which loads the global service');
  return installed;
}

/** True for a `{ global: name }` server name or reference. */
export function isGlobalName(v: unknown): v is { global: string } {
  return v !== null && typeof v === 'object' && 'global' in v && !('via' in v) && !('node' in v);
}
