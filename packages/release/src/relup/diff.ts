import type { AppChange, ModuleChange } from '@otp-ts/runtime';
import { withoutSourceMap } from '../files.js';

/** One version of an application as the diff sees it: module name → compiled code, and its npm packages. */
export interface AppContents {
  name: string;
  vsn: string;
  modules: Record<string, string>;
  /** Its npm packages, path under its node_modules/ → version (none when left out). */
  packages?: Record<string, string>;
}

const sameCode = (a: string, b: string): boolean => withoutSourceMap(a) === withoutSourceMap(b);

const samePackages = (a: Record<string, string>, b: Record<string, string>): boolean => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

// Whether compiled code requires one of the packages `names` (a subpath of one included): it binds them when it loads.
function requiresPackage(code: string, names: ReadonlySet<string>): boolean {
  for (const m of code.matchAll(/\brequire\((["'])([^"']+)\1\)/g)) {
    const parts = m[2]!.split('/');
    if (names.has(m[2]!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!)) return true;
  }
  return false;
}

function diffApp(from: AppContents, to: AppContents): AppChange | undefined {
  const added = Object.keys(to.modules).filter((m) => !(m in from.modules)).sort();
  const removed = Object.keys(from.modules).filter((m) => !(m in to.modules)).sort();
  // A module that imports an npm package binds the version's own copy when it loads: new packages need it loaded again.
  const before = from.packages ?? {};
  const after = to.packages ?? {};
  const packages = samePackages(before, after) ? new Set<string>() : new Set([...Object.keys(before), ...Object.keys(after)].filter((p) => !p.includes('/node_modules/')));
  const changed: ModuleChange[] = Object.keys(to.modules)
    .filter((m) => m in from.modules && (!sameCode(from.modules[m]!, to.modules[m]!) || requiresPackage(to.modules[m]!, packages)))
    .sort()
    .map((module) => ({ module }));
  if (from.vsn === to.vsn && added.length + removed.length + changed.length === 0) return undefined;
  return { kind: 'change', app: to.name, from: from.vsn, to: to.vsn, added, removed, changed };
}

/**
 * The application changes from one release version to another (pure), by compiled content with
 * source-map lines ignored: added and changed applications in the new start order, then removed ones
 * in reverse old start order. Behaviours are left for the caller to fill in.
 */
export function diffApps(from: readonly AppContents[], to: readonly AppContents[]): AppChange[] {
  const before = new Map(from.map((a) => [a.name, a]));
  const after = new Set(to.map((a) => a.name));
  const up: AppChange[] = [];
  for (const app of to) {
    const old = before.get(app.name);
    const change = old ? diffApp(old, app) : ({ kind: 'add', app: app.name, vsn: app.vsn } as const);
    if (change) up.push(change);
  }
  for (const app of [...from].reverse()) if (!after.has(app.name)) up.push({ kind: 'remove', app: app.name, vsn: app.vsn });
  return up;
}

function invert(change: AppChange): AppChange {
  switch (change.kind) {
    case 'add':
      return { kind: 'remove', app: change.app, vsn: change.vsn };
    case 'remove':
      return { kind: 'add', app: change.app, vsn: change.vsn };
    case 'change': {
      const back: AppChange = { kind: 'change', app: change.app, from: change.to, to: change.from, added: [...change.removed], removed: [...change.added], changed: change.changed.map((m) => ({ ...m })) };
      return change.extra === undefined ? back : { ...back, extra: change.extra };
    }
  }
}

/** The downgrade of an upgrade's changes (pure): each change inverted (added↔removed, from↔to), in reverse order. */
export function invertChanges(up: readonly AppChange[]): AppChange[] {
  return [...up].reverse().map(invert);
}
