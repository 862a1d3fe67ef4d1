import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CompileError } from './errors.js';
import { otpFieldProblem } from './otp-field.js';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

/** An application found in a project: its folder, name, version and `otp` field. */
export interface AppSource {
  dir: string;
  name: string;
  /** Its package name (`@shop/billing`; the application is `billing`). */
  pkg: string;
  vsn: string;
  description?: string;
  otp: { mod?: string; applications?: string[]; registered?: string[]; env?: Record<string, unknown>; startPhases?: Array<{ phase: string; args?: unknown }>; modArgs?: unknown };
}

/** The application name of a package: its name without scope, dashes as underscores. */
export function appName(pkgName: string): string {
  return pkgName.replace(/^@[^/]+\//, '').replace(/-/g, '_');
}

async function readApp(dir: string): Promise<AppSource | undefined> {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  const text = (await readFile(file, 'utf8')).replace(BOM, '');
  const pkg = JSON.parse(text) as { name?: string; version?: string; description?: string; otp?: AppSource['otp']; workspaces?: string[] };
  if (!pkg.otp) return undefined;
  if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string') {
    throw new CompileError([{ text: 'an application needs "name" and "version" in package.json', location: { file, line: 1, column: 0 } }]);
  }
  const problem = otpFieldProblem({ name: pkg.name, version: pkg.version, otp: pkg.otp }, appName(pkg.name), file, text);
  if (problem) throw new CompileError([problem]);
  return { dir, name: appName(pkg.name), pkg: pkg.name, vsn: pkg.version, description: pkg.description, otp: pkg.otp };
}

/** The applications of a project: the root package, or the members of its workspaces (umbrella). */
export async function findApps(root: string): Promise<AppSource[]> {
  const pkg = JSON.parse((await readFile(join(root, 'package.json'), 'utf8')).replace(BOM, '')) as { workspaces?: string[] };
  const apps: AppSource[] = [];
  const self = await readApp(root);
  if (self) apps.push(self);
  for (const pattern of pkg.workspaces ?? []) {
    // Patterns like "apps/*" (the umbrella layout); exact folders are accepted too.
    const dirs = pattern.endsWith('/*') ? (await readdir(join(root, pattern.slice(0, -2)), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => join(root, pattern.slice(0, -2), d.name)) : [join(root, pattern)];
    for (const dir of dirs) {
      const app = await readApp(dir);
      if (app) apps.push(app);
    }
  }
  return apps;
}

/** Every source module of an application: TypeScript files and JSON files under src/ (no declarations or tests). */
export async function sourceFiles(app: AppSource): Promise<string[]> {
  const src = join(app.dir, 'src');
  if (!existsSync(src)) return [];
  const entries = await readdir(src, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.(ts|mts|json)$/.test(e.name) && !e.name.endsWith('.d.ts') && !/\.(test|suite)\.ts$/.test(e.name))
    .map((e) => relative(app.dir, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)))
    .sort();
}
