import type { OtpNode } from '../node.js';
import { envOf } from './env.js';
import type { AppResource, ApplicationModule, StartPhase } from './types.js';

/** What an application's resource says of it, as application.getKey reads it (OTP's application keys). */
export interface AppKeys {
  /** The resource's description ('' when it has none). */
  description: string;
  /** The application's version. */
  vsn: string;
  /** Its modules, as its build lists them ([] for a resource that names none). */
  modules: string[];
  /** The names its processes register. */
  registered: string[];
  /** The applications that must run before it. */
  applications: string[];
  /** Its current settings (as getAllEnv). */
  env: Record<string, unknown>;
  /** Its callback module and the args its start gets; null for a library application (OTP's []). */
  mod: { module: ApplicationModule | string; args: unknown } | null;
  /** Its start phases; undefined when it has none (as OTP's start_phases). */
  startPhases: StartPhase[] | undefined;
}

const tables = new WeakMap<OtpNode, Map<string, AppResource>>();

/** A fresh table of a node's loaded resources, which its application controller (re)starts with: reads are synchronous. */
export function newLoadedTable(node: OtpNode): Map<string, AppResource> {
  const table = new Map<string, AppResource>();
  tables.set(node, table);
  return table;
}

/** Every key of a loaded application, or undefined when it is not loaded. */
export function keysOf(node: OtpNode, app: string): AppKeys | undefined {
  const r = tables.get(node)?.get(app);
  if (r === undefined) return undefined;
  return {
    description: r.description ?? '',
    vsn: r.vsn,
    modules: [...(r.modules ?? [])],
    registered: [...(r.registered ?? [])],
    applications: [...(r.applications ?? [])],
    env: envOf(node).all(app),
    mod: r.mod === undefined ? null : { module: r.mod, args: r.modArgs },
    startPhases: r.startPhases?.map((p) => ({ ...p })),
  };
}
