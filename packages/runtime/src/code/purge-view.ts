// What a purge's helpers (spawned.ts, state-funs.ts) ask of the code server, and the process sets it hands them, in a
// file below server.ts: server.ts imports those helpers, so they know the server by this shape and not by its class.
import type { OtpNode } from '../node.js';
import type { ProcessImpl } from '../process.js';
import type { ModuleVersion } from './module.js';

/**
 * Internal: calls its argument with each process of a set (every live process, or a census: see CodeServer.census). A
 * census also gives what it found of each: the export its callbacks are and the callback modules it hosts (null: none);
 * `spawned`: a census's processes spawned with a closure no module exports and running no callback module, kept apart.
 */
export type EachProcess = ((fn: (p: ProcessImpl, origin?: ExportOrigin | null, hosted?: readonly object[] | null) => void) => void) & { readonly spawned?: EachProcess };

/** Internal: a census, which also lists the processes whose callbacks no module exports, or that host callback modules. */
export type Census = EachProcess & { readonly unexported: readonly ProcessImpl[] };

/** Internal: the export a value is (CodeServer.exportOrigin). */
export interface ExportOrigin {
  readonly version: ModuleVersion;
  readonly exportName: string;
}

/** Internal: what the purge's helpers read of the code server, which implements it (server.ts). */
export interface PurgeView {
  /** The node whose processes a purge looks at. */
  readonly node: OtpNode;
  /** The source text a version was evaluated from, if it is known. */
  sourceOf(version: ModuleVersion): string | undefined;
  /** True for a function some loaded module exports. */
  isModuleExport(fn: unknown): boolean;
  /** True for a loaded module's export table (a purge's walk over a state skips it). */
  isExportTable(value: object): boolean;
  /** The current version's export standing for `value` when it is an export of an older version, else `value`. */
  latest<T>(value: T): T;
  /** For each of `fns`, which of `versions` made it. */
  versionsOfFunctions(fns: readonly object[], versions: readonly ModuleVersion[]): Map<object, ModuleVersion[]>;
}
