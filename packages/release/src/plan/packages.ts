import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { realpathSync } from 'node:fs';
import { ReleaseError } from '../errors.js';

/** An npm package the release carries in node_modules/, and the folder it is copied from. */
export interface PackageSource {
  name: string;
  version: string;
  dir: string;
}

const RUNTIME = '@otp-ts/runtime';

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
}

const readPackage = (dir: string): PackageJson => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;

/** The folder of package `name` as Node.js would resolve it from `fromDir` (createRequire's lookup paths), or undefined. */
export function resolvePackageDir(name: string, fromDir: string): string | undefined {
  const paths = createRequire(join(fromDir, 'package.json')).resolve.paths(name) ?? [];
  for (const p of paths) {
    const dir = join(p, name);
    if (existsSync(join(dir, 'package.json'))) return realpathSync(dir);
  }
  return undefined;
}

/** The runtime package the project uses (resolved from its root). */
export function resolveRuntime(root: string): PackageSource {
  const dir = resolvePackageDir(RUNTIME, root);
  if (!dir) throw new ReleaseError('missingPackage', `${RUNTIME} is not installed in ${root}: run npm install (a release carries the runtime the project uses)`, { file: join(root, 'package.json') });
  return { name: RUNTIME, version: readPackage(dir).version ?? '0.0.0', dir };
}

/**
 * The npm dependencies of the release's applications, transitively, other than the runtime: each
 * resolved from the folder that depends on it. A package inside one already carried (its own nested
 * node_modules) comes with it; the first version found of a name wins, and a different one is a warning.
 * `skip` names packages not to carry (the project's own applications, which are in lib/).
 */
export function resolveDependencies(appDirs: readonly string[], skip: ReadonlySet<string>, warnings: string[]): PackageSource[] {
  const out = new Map<string, PackageSource>();
  const visit = (name: string, fromDir: string, by: string): void => {
    if (name === RUNTIME || skip.has(name)) return;
    const dir = resolvePackageDir(name, fromDir);
    if (!dir) throw new ReleaseError('missingPackage', `package '${name}', a dependency of ${by}, is not installed: run npm install in the project`, { file: join(fromDir, 'package.json') });
    const seen = out.get(name);
    if (seen) {
      if (seen.dir !== dir) warnings.push(`two copies of ${name} are needed (${seen.version} and ${readPackage(dir).version}); the release carries ${seen.version}`);
      return;
    }
    if ([...out.values()].some((p) => dir.startsWith(p.dir + sep))) return;
    out.set(name, { name, version: readPackage(dir).version ?? '0.0.0', dir });
    for (const dep of Object.keys(readPackage(dir).dependencies ?? {})) visit(dep, dir, name);
  };
  for (const appDir of appDirs) {
    const pkg = readPackage(appDir);
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, appDir, pkg.name ?? appDir);
  }
  return [...out.values()];
}
