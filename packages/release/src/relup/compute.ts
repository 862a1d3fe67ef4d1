import { join } from 'node:path';
import { type AppChange } from '@otp-ts/runtime';
import { readBuiltModules, type Relup } from '@otp-ts/runtime/tools';
import { detectBehaviours } from './behaviour.js';
import { diffApps, invertChanges, type AppContents } from './diff.js';
import { loadOverride, validateOverride, OVERRIDE_FILE } from './override.js';
import { installedPackages } from '../plan/packages.js';

/** One version of a release as the relup reads it: its applications' compiled folders in start order. */
export interface VersionSource {
  vsn: string;
  apps: ReadonlyArray<{
    name: string;
    vsn: string;
    /** The compiled folder (`lib/<app>-<vsn>`, or `_build/<profile>/lib/<app>-<vsn>`). */
    dir: string;
    /** The application's source folder, where an `upgrade.ts` override may be. */
    sourceDir?: string;
    /** Its npm packages (path under its node_modules/ → version); default: read from `dir/node_modules/`. */
    packages?: Record<string, string>;
  }>;
}

/** Options of computeRelup. */
export interface RelupOptions {
  /** Collects what is worth telling the user (an application whose modules could not be inspected). */
  warnings?: string[];
}

async function contents(version: VersionSource): Promise<AppContents[]> {
  return Promise.all(
    version.apps.map(async (a) => {
      const { sources } = await readBuiltModules(a.dir);
      const packages = a.packages ?? installedPackages(join(a.dir, 'node_modules'));
      return { name: a.name, vsn: a.vsn, modules: Object.fromEntries(sources.map((s) => [s.name, s.code])), packages };
    }),
  );
}

async function withBehaviours(up: AppChange[], to: VersionSource, warnings: string[]): Promise<AppChange[]> {
  const changed = new Set(up.flatMap((c) => (c.kind === 'change' ? c.changed.map((m) => m.module) : [])));
  const found = await detectBehaviours(to.apps, changed, warnings);
  return up.map((c) => {
    if (c.kind !== 'change') return c;
    return { ...c, changed: c.changed.map((m) => (found.has(m.module) ? { module: m.module, behaviour: found.get(m.module)! } : m)) };
  });
}

async function withOverrides(up: AppChange[], from: AppContents[], to: AppContents[], source: VersionSource): Promise<AppChange[]> {
  const out: AppChange[] = [];
  for (const change of up) {
    const sourceDir = source.apps.find((a) => a.name === change.app)?.sourceDir;
    const override = sourceDir && change.kind !== 'remove' ? await loadOverride(sourceDir) : undefined;
    if (!override) {
      out.push(change);
      continue;
    }
    const modulesOf = (apps: AppContents[]) => new Set(Object.keys(apps.find((a) => a.name === change.app)?.modules ?? {}));
    const ctx = { file: join(sourceDir!, OVERRIDE_FILE), oldModules: modulesOf(from), newModules: modulesOf(to) };
    out.push(validateOverride(await override(structuredClone(change)), change, ctx));
  }
  return out;
}

/**
 * The relup from one release version to another: per application added, removed or changed (modules
 * added, removed and changed by compiled content, source maps aside), the behaviour of each changed
 * module (found by loading the new code into a throwaway node), each application's upgrade.ts override
 * applied; the down step is the inverse of the up step.
 */
export async function computeRelup(from: VersionSource, to: VersionSource, options: RelupOptions = {}): Promise<Relup> {
  const warnings = options.warnings ?? [];
  const [before, after] = await Promise.all([contents(from), contents(to)]);
  const computed = await withBehaviours(diffApps(before, after), to, warnings);
  const up = await withOverrides(computed, before, after, to);
  return { vsn: to.vsn, up: [{ vsn: from.vsn, apps: up }], down: [{ vsn: from.vsn, apps: invertChanges(up) }] };
}
