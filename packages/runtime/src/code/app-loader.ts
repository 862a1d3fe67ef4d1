import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppResource, ApplicationModule } from '../application/types.js';
import { CodeError, type CodeServer } from './server.js';
import type { ModuleSource } from './module.js';

/** The compiled application resource the compiler writes as `app.json` (OTP's .app file): the contract between compiler and code server. */
export interface AppFile {
  name: string;
  vsn: string;
  description?: string;
  mod?: string;
  applications: string[];
  registered: string[];
  env: Record<string, unknown>;
  /** The args the callback module's start gets (package.json's otp.modArgs). */
  modArgs?: unknown;
  /** The start phases run after start (package.json's otp.startPhases). */
  startPhases?: Array<{ phase: string; args?: unknown }>;
  /** Module name → its compiled file, relative to the app folder. */
  modules: Record<string, string>;
}

/**
 * Reads the compiled modules of an application folder (`_build/<profile>/lib/<app>-<vsn>`), in no particular order.
 * `sourceDir`: the application's own folder, for a dev build, so that its packages resolve from its sources as
 * `otp test` and tsc find them (an umbrella app's own node_modules/ first), not from `_build/`.
 */
export async function readBuiltModules(dir: string, sourceDir?: string): Promise<{ app: AppFile; sources: ModuleSource[] }> {
  let app: AppFile;
  try {
    app = JSON.parse(await readFile(join(dir, 'app.json'), 'utf8')) as AppFile;
  } catch (error) {
    throw new CodeError('notLoaded', dir, `${join(dir, 'app.json')} cannot be read: compile the project first (otp compile)`, { cause: error });
  }
  const sources = await Promise.all(
    Object.entries(app.modules).map(async ([name, file]) => ({ name, code: await readFile(join(dir, file), 'utf8'), filename: join(dir, file), ...(sourceDir === undefined ? {} : { resolveFrom: join(sourceDir, file) }) })),
  );
  return { app, sources };
}

/** The names of the application modules a module requires (relative requires), in source order. */
export function requiredModules(source: ModuleSource): string[] {
  const out: string[] = [];
  for (const m of source.code.matchAll(/\brequire\((["'])(\.[^"']+)\1\)/g)) {
    const parts = source.name.split('/').slice(0, -1);
    for (const part of m[2]!.replace(/\.(ts|js|mjs|cjs)$/, '').split('/')) {
      if (part === '..') parts.pop();
      else if (part !== '.') parts.push(part);
    }
    if (!out.includes(parts.join('/'))) out.push(parts.join('/'));
  }
  return out;
}

/** Modules in an order where each comes after the application modules it requires (relative requires), for loadAll. */
export function dependencyOrder(sources: ModuleSource[]): ModuleSource[] {
  const byName = new Map(sources.map((s) => [s.name, s]));
  const done = new Set<string>();
  const out: ModuleSource[] = [];
  const visit = (s: ModuleSource, path: string[]): void => {
    if (done.has(s.name) || path.includes(s.name)) return;
    for (const name of requiredModules(s)) {
      const dep = byName.get(name);
      if (dep) visit(dep, [...path, s.name]);
    }
    done.add(s.name);
    out.push(s);
  };
  for (const s of sources) visit(s, []);
  return out;
}

/** Loads a compiled application's modules into the code server and returns its resource, ready for application.load (`sourceDir`: as readBuiltModules). */
export async function loadBuiltApplication(code: CodeServer, dir: string, sourceDir?: string): Promise<AppResource> {
  const { app, sources } = await readBuiltModules(dir, sourceDir);
  await code.loadAll(dependencyOrder(sources));
  let mod: ApplicationModule | undefined;
  if (app.mod) {
    const table = code.exportsOf(app.mod);
    mod = (table.default ?? Object.values(table).find((v) => typeof (v as ApplicationModule)?.start === 'function')) as ApplicationModule | undefined;
    if (!mod || typeof mod.start !== 'function') {
      throw new CodeError('notLoaded', app.mod, `module ${app.mod} (otp.mod of ${app.name}) exports no application module with start(): export default { start(type, args, ctx) { ... } }`);
    }
  }
  return { ...resourceFields(app), mod, dir };
}

/** The fields of an application's resource its compiled app.json gives (all but its callback module and folder). */
export function resourceFields(app: AppFile): Omit<AppResource, 'mod' | 'dir'> {
  const fields: Omit<AppResource, 'mod' | 'dir'> = { name: app.name, vsn: app.vsn, description: app.description, applications: app.applications, registered: app.registered, env: app.env };
  if (app.modules !== undefined) fields.modules = Object.keys(app.modules).sort();
  if (app.modArgs !== undefined) fields.modArgs = app.modArgs;
  if (app.startPhases !== undefined) fields.startPhases = app.startPhases;
  return fields;
}
