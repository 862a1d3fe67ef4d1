import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fields of @otp-ts/cli's package.json the CLI reads. */
export interface PackageInfo {
  root: string;
  version: string;
  dependencies: Record<string, string>;
}

let cached: PackageInfo | undefined;

// The packages this module is built into: the CLI, and create-otp-ts, which bundles otp new's scaffold
// (its version is the CLI's: the otp-ts packages are released together).
const owners = new Set(['@otp-ts/cli', 'create-otp-ts']);

/** @otp-ts/cli's own package folder and package.json (or create-otp-ts's, which bundles this module), found from this module whether run from src/ or bundled in dist/. */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string; dependencies?: Record<string, string> };
    if (pkg.name !== undefined && owners.has(pkg.name)) return (cached = { root: dir, version: pkg.version, dependencies: pkg.dependencies ?? {} });
  }
  throw new Error('@otp-ts/cli cannot find its own package.json');
}
