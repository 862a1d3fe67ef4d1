import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { jsonErrorPlace } from '@otp-ts/compiler';
import { OtpError } from '../errors/otp-error.js';
import { CONFIG_FILE } from '../config/load.js';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

/** A project found on disk: a single application or library, or an umbrella of apps. */
export interface Project {
  root: string;
  kind: 'app' | 'lib' | 'umbrella';
  /** The config file, when the project has one. */
  configFile?: string;
  /** Folders of the project's applications (the root itself for a single app). */
  apps: string[];
}

interface PackageJson {
  otp?: { mod?: unknown };
  workspaces?: unknown;
}

function readPackage(dir: string): PackageJson | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8').replace(BOM, '');
  try {
    return JSON.parse(text) as PackageJson;
  } catch (error) {
    // Said as the line and column an editor goes to (1-based), not JSON.parse's character offset.
    const { line, column, reason } = jsonErrorPlace(text, error);
    throw new OtpError('badConfig', `${file} is not valid JSON at line ${line}, column ${column + 1} (${reason}): fix it there (a missing comma or quote, or a trailing comma)`, { location: { file, line, column: column + 1 }, cause: error });
  }
}

const isOtpPackage = (pkg: PackageJson | undefined): boolean => pkg?.otp !== undefined && pkg.otp !== null && typeof pkg.otp === 'object';

/** Workspace folders of a package.json (`apps/*` and plain paths; other globs are not expanded). */
export function workspaceDirs(root: string, pkg: PackageJson): string[] {
  const patterns = Array.isArray(pkg.workspaces) ? pkg.workspaces : Array.isArray((pkg.workspaces as { packages?: unknown })?.packages) ? (pkg.workspaces as { packages: unknown[] }).packages : [];
  return patterns.filter((p): p is string => typeof p === 'string').flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return existsSync(join(root, pattern)) ? [resolve(root, pattern)] : [];
    const parent = join(root, pattern.slice(0, -2));
    if (!existsSync(parent)) return [];
    return readdirSync(parent).map((d) => join(parent, d)).filter((d) => statSync(d).isDirectory() && existsSync(join(d, 'package.json')));
  });
}

function umbrellaAbove(appDir: string): { root: string; apps: string[] } | undefined {
  for (let dir = dirname(appDir); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = readPackage(dir);
    if (!pkg?.workspaces) continue;
    const apps = workspaceDirs(dir, pkg);
    if (apps.includes(appDir)) return { root: dir, apps: apps.filter((a) => isOtpPackage(readPackage(a))) };
  }
  return undefined;
}

/** Finds the project containing `from`: the nearest folder with an `otp` package.json field or an otp.config.ts; for an app inside an umbrella, the umbrella's root. */
export function findProject(from: string): Project {
  const start = resolve(from);
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = readPackage(dir);
    const hasConfig = existsSync(join(dir, CONFIG_FILE));
    if (isOtpPackage(pkg) || hasConfig) {
      const umbrella = isOtpPackage(pkg) ? umbrellaAbove(dir) : undefined;
      if (umbrella) return withConfig({ root: umbrella.root, kind: 'umbrella', apps: umbrella.apps });
      if (isOtpPackage(pkg)) return withConfig({ root: dir, kind: typeof pkg!.otp!.mod === 'string' ? 'app' : 'lib', apps: [dir] });
      const apps = pkg ? workspaceDirs(dir, pkg).filter((a) => isOtpPackage(readPackage(a))) : [];
      return withConfig({ root: dir, kind: 'umbrella', apps });
    }
    if (dir === dirname(dir)) break;
  }
  const shown = relative(process.cwd(), start) || '.';
  throw new OtpError('noProject', `no otp project in ${shown.startsWith('..') ? start : shown} or any folder above it`, {
    hint: `An otp project has a package.json with an "otp" field or an ${CONFIG_FILE}; create one with \`otp new app NAME\`.`,
  });
}

function withConfig(p: Project): Project {
  const file = join(p.root, CONFIG_FILE);
  return existsSync(file) ? { ...p, configFile: file } : p;
}
