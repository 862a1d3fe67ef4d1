// Imports of a package that is neither installed nor declared in the application's package.json: the module fails where
// it reaches that import. Optional imports (a package the code may do without) are let through: this says which they are.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { join, relative } from 'node:path';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

/** An import of a package the application's folder cannot resolve and its package.json does not declare (or declares optional). */
export interface MissingImport {
  /** The importing source file, relative to the application's folder (e.g. `src/cache.ts`), and the line of the import. */
  file: string;
  line: number;
  /** The import as written (`pkg/sub`) and its package (`pkg`). */
  spec: string;
  pkg: string;
  /** A static import the compiled module keeps: it throws when the module loads, at boot. */
  static: boolean;
  /** Listed in optionalDependencies (or an optional peer dependency): the package may be absent on purpose. */
  optional: boolean;
}

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

// `@scope/pkg/sub` → `@scope/pkg`; `pkg/sub` → `pkg`.
const packageOf = (spec: string): string => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

// Whether a package folder is found from `dir` as Node.js looks for it (node_modules/ here and in every parent).
function installed(pkg: string, dir: string): boolean {
  const paths = createRequire(join(dir, 'package.json')).resolve.paths(pkg) ?? [];
  return paths.some((p) => existsSync(join(p, pkg, 'package.json')));
}

// The line of the first static import declaration of `spec` in `source` (not `import type`), or undefined.
function staticImportLine(source: string, spec: string): number | undefined {
  const quoted = `['"]${spec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"]`;
  const declaration = new RegExp(`^[ \\t]*(?:import(?![ \\t]*\\()(?![ \\t]+type[ \\t{])[^;'"]*?(?:from[ \\t]*)?|export(?![ \\t]+type[ \\t{])[^;'"]*?from[ \\t]*)${quoted}`, 'm');
  const m = declaration.exec(source);
  return m ? source.slice(0, m.index).split('\n').length : undefined;
}

// The source file of module `module` of application `app` (its path under src/, .ts or .mts), relative to `appDir`.
function sourceOf(appDir: string, app: string, module: string): string | undefined {
  const rest = module.slice(app.length + 1);
  return [`src/${rest}.ts`, `src/${rest}.mts`].find((f) => existsSync(join(appDir, f)));
}

/**
 * The imports of packages in the compiled `modules` (name → file under `outDir`, as app.json lists them) of application
 * `app` in `appDir` that are neither installed (from `appDir` up) nor declared in its package.json; a package declared
 * other than optionally is another check's (npm install). Read from the compiled modules: a type-only import is none.
 */
export function missingImports(app: { name: string; dir: string }, outDir: string, modules: Readonly<Record<string, string>>): MissingImport[] {
  const pkgFile = join(app.dir, 'package.json');
  const pkg = (existsSync(pkgFile) ? JSON.parse(readFileSync(pkgFile, 'utf8').replace(BOM, '')) : {}) as PackageJson;
  const optional = (name: string) => pkg.optionalDependencies?.[name] !== undefined || (pkg.peerDependencies?.[name] !== undefined && pkg.peerDependenciesMeta?.[name]?.optional === true);
  const declared = (name: string) => [pkg.dependencies, pkg.devDependencies, pkg.peerDependencies].some((d) => d?.[name] !== undefined);
  const out: MissingImport[] = [];
  for (const [module, output] of Object.entries(modules)) {
    const compiled = join(outDir, output);
    const file = sourceOf(app.dir, app.name, module);
    if (file === undefined || !existsSync(compiled)) continue;
    const specs = new Set([...readFileSync(compiled, 'utf8').matchAll(/\brequire\("([^"./][^"]*)"\)/g)].map((m) => m[1]!));
    const source = readFileSync(join(app.dir, file), 'utf8');
    for (const spec of specs) {
      const name = packageOf(spec);
      if (isBuiltin(spec) || (declared(name) && !optional(name)) || installed(name, app.dir)) continue;
      const at = staticImportLine(source, spec);
      const line = at ?? source.slice(0, Math.max(0, source.indexOf(spec))).split('\n').length;
      out.push({ file, line, spec, pkg: name, static: at !== undefined, optional: optional(name) });
    }
  }
  return out;
}

/** One line about `m` in application folder `appDir`, its file named from `root`: what fails, where, and the fix. */
export function missingImportText(m: MissingImport, appDir: string, root: string): string {
  const where = `${relative(root, join(appDir, m.file)) || m.file}:${m.line}`;
  const pkgFile = relative(root, join(appDir, 'package.json')) || 'package.json';
  if (m.static) {
    return `${where} imports '${m.spec}' statically, but package '${m.pkg}' is not installed${m.optional ? ' (it is an optional dependency)' : ` nor declared in ${pkgFile}`}, so the module fails to load at boot: add it to "dependencies" and run npm install, or, if the code can do without it, load it with await import("${m.spec}") in a try/catch and list it in "optionalDependencies"`;
  }
  return `${where} imports '${m.spec}', but package '${m.pkg}' is not installed nor declared in ${pkgFile}, so that import fails when it runs: add it to "dependencies" and run npm install, or, if the code can do without it, list it in "optionalDependencies"`;
}
