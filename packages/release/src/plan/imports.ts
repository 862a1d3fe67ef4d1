import { isBuiltin } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppFile } from '@otp-ts/runtime/tools';
import { missingImports, missingImportText } from '@otp-ts/compiler';
import { ReleaseError } from '../errors.js';
import { RUNTIME, resolvePackageDir, type PlacedPackage } from './packages.js';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

/**
 * Refuses a release whose application imports an installed package it would not carry: one the app's
 * package.json lists only in devDependencies, or not at all. Inside the project the module still finds it (Node.js looks up past
 * the release root into the project's node_modules/), so the release would boot there and fail where it is
 * deployed; this says so while building.
 */
export function checkPackageImports(app: AppFile, buildDir: string, sourceDir: string, carried: readonly PlacedPackage[]): void {
  const top = new Set(carried.filter((p) => p.path === p.name).map((p) => p.name));
  const pkgFile = join(sourceDir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8').replace(BOM, '')) as { devDependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
  for (const [module, file] of Object.entries(app.modules)) {
    const path = join(buildDir, file);
    if (!existsSync(path)) continue;
    for (const m of readFileSync(path, 'utf8').matchAll(/\brequire\("([^"./][^"]*)"\)/g)) {
      const name = packageName(m[1]!);
      // A package the project has not installed either (an optional import) fails alike everywhere: not this check's.
      if (name === RUNTIME || isBuiltin(m[1]!) || top.has(name) || resolvePackageDir(name, sourceDir) === undefined) continue;
      const where = pkg.devDependencies?.[name] !== undefined ? ' (it is in devDependencies)' : pkg.peerDependencies?.[name] !== undefined ? ' (it is in peerDependencies)' : '';
      throw new ReleaseError(
        'missingPackage',
        `module ${module} imports '${m[1]}', but ${app.name}'s package.json does not list '${name}' in "dependencies"${where}, so the release would not carry it: add it to "dependencies" in ${pkgFile}`,
        { file: pkgFile },
      );
    }
  }
}

/**
 * Refuses (exit 2) a release whose application `app` (compiled into `buildDir` from `source`) statically imports a package
 * that is not installed: the module fails to load, so the release's boot. An `import()` of one (an optional import the
 * code may do without) is let through: otp compile warns of it unless package.json lists it in "optionalDependencies".
 */
export function refuseMissingImports(app: AppFile, source: { name: string; dir: string }, buildDir: string, root: string): void {
  const certain = missingImports(source, buildDir, app.modules).find((m) => m.static);
  if (certain) throw new ReleaseError('missingImport', `${missingImportText(certain, source.dir, root)}; nothing was released`, { file: join(source.dir, certain.file) });
}

// `@scope/pkg/sub` → `@scope/pkg`; `pkg/sub` → `pkg`.
const packageName = (spec: string): string => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
