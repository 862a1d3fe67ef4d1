import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { realpathSync } from 'node:fs';
import { ReleaseError } from '../errors.js';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

/** An npm package the release carries, and the folder it is copied from. */
export interface PackageSource {
  name: string;
  version: string;
  dir: string;
}

/** A package of an application version's own `node_modules/`: where under it the package goes (`greet`, `a/node_modules/b`). */
export interface PlacedPackage extends PackageSource {
  path: string;
}

/** The runtime's package name: one per node, at the release root, never an application's own package. */
export const RUNTIME = '@otp-ts/runtime';

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const readPackage = (dir: string): PackageJson => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8').replace(BOM, '')) as PackageJson;

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

// Where Node.js looks for `name` from a package placed at `under` (its own node_modules/ first, then each enclosing one's, then the top).
function lookupChain(under: string, name: string): string[] {
  const parts = under === '' ? [] : under.split('/node_modules/');
  const chain: string[] = [];
  for (let k = parts.length; k > 0; k--) chain.push(`${parts.slice(0, k).join('/node_modules/')}/node_modules/${name}`);
  return [...chain, name];
}

/**
 * The npm dependencies of one application, transitively, other than the runtime (one per node, at the
 * release root) and `skip` (the project's own applications, which are in lib/): each resolved from the
 * folder that depends on it, as Node.js resolves it, and placed in the application version's own
 * node_modules/ where Node.js finds it from its dependant: at the top unless another version of that
 * name is there, else inside its dependant's folder. A package inside one already placed (its own
 * nested node_modules) comes with it. The optional dependencies (optionalDependencies) of the application and of each
 * package it carries are carried when installed, and skipped when not, as npm skips them.
 */
export function resolveDependencies(appDir: string, skip: ReadonlySet<string>): PlacedPackage[] {
  const placed = new Map<string, PlacedPackage>();
  const app = readPackage(appDir);
  const queue = depsOf(app).map(({ name, optional }) => ({ name, optional, fromDir: appDir, under: '', by: app.name ?? appDir }));
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { name, optional, fromDir, under, by } = next;
    if (name === RUNTIME || skip.has(name)) continue;
    const dir = resolvePackageDir(name, fromDir);
    if (!dir && optional) continue;
    if (!dir) throw new ReleaseError('missingPackage', `package '${name}', a dependency of ${by}, is not installed: run npm install in the project`, { file: join(fromDir, 'package.json') });
    if ([...placed.values()].some((p) => dir.startsWith(p.dir + sep))) continue;
    const found = lookupChain(under, name).map((path) => placed.get(path)).find((p) => p !== undefined);
    if (found?.dir === dir) continue;
    const path = found === undefined ? name : `${under}/node_modules/${name}`;
    const pkg = readPackage(dir);
    placed.set(path, { name, version: pkg.version ?? '0.0.0', dir, path });
    // Its optional dependencies too, when installed: npm installs them for it, and its code may import them.
    for (const dep of depsOf(pkg)) queue.push({ ...dep, fromDir: dir, under: path, by: name });
  }
  return [...placed.values()];
}

// A package's dependencies, then its optional ones (npm lists a name in one of them).
const depsOf = (pkg: PackageJson): { name: string; optional: boolean }[] => [
  ...Object.keys(pkg.dependencies ?? {}).map((name) => ({ name, optional: false })),
  ...Object.keys(pkg.optionalDependencies ?? {}).filter((name) => pkg.dependencies?.[name] === undefined).map((name) => ({ name, optional: true })),
];

// Each package folder of a node_modules/ folder (`x`, `@scope/x`), with the packages nested in their own node_modules/.
function packageTree(nodeModules: string, prefix: string, out: Record<string, string>): void {
  if (!existsSync(nodeModules)) return;
  for (const entry of readdirSync(nodeModules).sort()) {
    const names = entry.startsWith('@') ? readdirSync(join(nodeModules, entry)).sort().map((e) => `${entry}/${e}`) : [entry];
    for (const name of names) {
      const dir = join(nodeModules, name);
      if (!existsSync(join(dir, 'package.json'))) continue;
      out[`${prefix}${name}`] = readPackage(dir).version ?? '0.0.0';
      packageTree(join(dir, 'node_modules'), `${prefix}${name}/node_modules/`, out);
    }
  }
}

/** The packages of an application version's node_modules/ folder: path under it → version. */
export function installedPackages(nodeModules: string): Record<string, string> {
  const out: Record<string, string> = {};
  packageTree(nodeModules, '', out);
  return sorted(out);
}

/** The packages placed packages bring, nested ones included: path under node_modules/ → version (as installedPackages reads them once copied). */
export function placedPackages(placed: readonly PlacedPackage[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of placed) {
    out[p.path] = p.version;
    packageTree(join(p.dir, 'node_modules'), `${p.path}/node_modules/`, out);
  }
  return sorted(out);
}

const sorted = (packages: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The native addons (`.node` files) the placed packages carry, as `package (path in it)`: machine code for one platform
 * and one Node.js ABI, which a release carries as it is, so `otp release` says so rather than ship them unknowingly.
 */
export function nativeAddons(placed: readonly PlacedPackage[]): string[] {
  const out: string[] = [];
  for (const p of placed) {
    const files = readdirSync(p.dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.node') && !f.split(sep).includes('.bin'));
    out.push(...files.sort().map((f) => `${p.name} (${f.split(sep).join('/')})`));
  }
  return out;
}

/** The one warning line for a release whose packages carry native addons, naming them and the machine they were built for. */
export function nativeAddonWarning(addons: readonly string[]): string | undefined {
  if (addons.length === 0) return undefined;
  const shown = addons.length > 3 ? `${addons.slice(0, 3).join(', ')} and ${addons.length - 3} more` : addons.join(', ');
  return `the release carries native addons, machine code for one platform and Node.js ABI (on this machine ${process.platform}-${process.arch}, Node.js ${process.versions.node.split('.')[0]}.x, ABI ${process.versions.modules}): ${shown}; the release boots only where they were built for, so build it on the kind of machine it is deployed to`;
}
