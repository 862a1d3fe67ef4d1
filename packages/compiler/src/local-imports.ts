import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import type { AppSource } from './apps.js';
import type { Diagnostic } from './errors.js';

/** The `paths` aliases of the tsconfig.json an application is type-checked with: pattern → targets, and the folder they are relative to. */
export interface PathAliases {
  base: string;
  paths: Record<string, string[]>;
}

/**
 * A compiled module's imports of its own application's files, written as the code server finds them:
 * a folder's index (`./util` → `./util/index`) and a tsconfig `paths` alias (`@lib/math` → `../lib/math`)
 * become the module they name, as esbuild's bundle in `otp test` and the type checker find it. An import
 * of a file that is no module of the application (outside src/, or not there) is a diagnostic naming the
 * import, instead of a boot that fails in `otp shell` or a release.
 */
export function linkLocalImports(text: string, from: { app: AppSource; module: string; file: string; text: string }, sources: ReadonlySet<string>, aliases: PathAliases | undefined, diagnostics: Diagnostic[]): string {
  const dir = posix.dirname(from.file);
  return text.replace(/\brequire\("([^"]+)"\)/g, (whole, spec: string) => {
    const relativeSpec = spec.startsWith('./') || spec.startsWith('../');
    const base = relativeSpec ? posix.join(dir, spec) : aliasTarget(spec, from.app.dir, aliases);
    if (base === undefined) return whole;
    const found = candidates(base).find((f) => sources.has(f));
    if (found !== undefined) {
      const rel = posix.relative(dir, found).replace(/\.(ts|mts)$/, '');
      return `require(${JSON.stringify(rel.startsWith('.') ? rel : `./${rel}`)})`;
    }
    const how = relativeSpec ? '' : ` (tsconfig paths: ${base})`;
    const outside = !base.startsWith('src/');
    diagnostics.push({
      text: `${from.module} imports '${spec}'${how}, ${outside ? 'a file outside src/' : 'which names no source module'} of the application ${from.app.name}: its modules are the .ts, .mts and .json files under src/`,
      location: importLocation(from, spec),
      suggestion: outside ? 'move the file under src/, or make it a package the application depends on' : 'check the path: a module under src/ (a .ts file, or a folder with index.ts)',
    });
    return whole;
  });
}

/** The source files an import of `base` (a path under the application folder) may name, as TypeScript and esbuild look for them. */
export function candidates(base: string): string[] {
  if (/\.(ts|mts|json)$/.test(base)) return [base];
  if (/\.m?js$/.test(base)) return [base.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts')];
  return ['.ts', '.mts', '/index.ts', '/index.mts'].map((ext) => base + ext);
}

// The path under the application folder a tsconfig alias maps `spec` to (its first target), or undefined when no alias matches.
function aliasTarget(spec: string, appDir: string, aliases: PathAliases | undefined): string | undefined {
  for (const [pattern, targets] of Object.entries(aliases?.paths ?? {})) {
    const star = pattern.indexOf('*');
    const [prefix, suffix] = star < 0 ? [pattern, ''] : [pattern.slice(0, star), pattern.slice(star + 1)];
    const matches = star < 0 ? spec === pattern : spec.length >= prefix.length + suffix.length && spec.startsWith(prefix) && spec.endsWith(suffix);
    if (!matches || targets[0] === undefined) continue;
    const target = star < 0 ? targets[0] : targets[0].replace('*', spec.slice(prefix.length, spec.length - suffix.length));
    return relative(appDir, resolve(aliases!.base, target)).split(sep).join('/');
  }
  return undefined;
}

/** The `paths` of the tsconfig.json nearest the application (up to the project root), following a relative `extends`. */
export function pathAliases(appDir: string, root: string): PathAliases | undefined {
  for (let dir = resolve(appDir); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.json'))) return aliasesOf(join(dir, 'tsconfig.json'), 0);
    if (dir === resolve(root) || dirname(dir) === dir) return undefined;
  }
}

function aliasesOf(file: string, depth: number): PathAliases | undefined {
  let config: { extends?: unknown; compilerOptions?: { paths?: Record<string, string[]>; baseUrl?: string } };
  try {
    config = JSON.parse(withoutComments(readFileSync(file, 'utf8'))) as typeof config;
  } catch {
    return undefined;
  }
  const own = config.compilerOptions ?? {};
  const parent = typeof config.extends === 'string' && config.extends.startsWith('.') && depth < 8 ? aliasesOf(resolve(dirname(file), config.extends.endsWith('.json') ? config.extends : `${config.extends}.json`), depth + 1) : undefined;
  const paths = own.paths ?? parent?.paths;
  if (paths === undefined) return undefined;
  const base = own.baseUrl !== undefined ? resolve(dirname(file), own.baseUrl) : own.paths !== undefined ? dirname(file) : parent!.base;
  return { base, paths };
}

// tsconfig.json is JSON with comments and trailing commas.
function withoutComments(text: string): string {
  return text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (m, str: string | undefined) => str ?? '').replace(/,(\s*[}\]])/g, '$1');
}

/** Where the source imports `spec` (its first line naming it), for a diagnostic. */
export function importLocation(from: { app: AppSource; file: string; text: string }, spec: string): Diagnostic['location'] {
  const lines = from.text.split('\n');
  const i = Math.max(0, lines.findIndex((l) => l.includes(`'${spec}'`) || l.includes(`"${spec}"`)));
  return { file: join(from.app.dir, from.file), line: i + 1, column: Math.max(0, lines[i]!.indexOf(spec) - 1), lineText: lines[i] };
}
