import { createRequire, isBuiltin } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

// The conditions Node.js matches when an ES module imports a package (`import`, not `require`).
const CONDITIONS = new Set(['node', 'import', 'default']);

/**
 * What a native `import(spec)` from the ES module `from` (a file path) loads, as Node.js resolves it: a
 * builtin by its name (`fs` as `node:fs`), a package through its `exports` with the import conditions
 * (an ESM-only package exporting only `import`, the ESM half of a dual package), else as require finds
 * it (a package without `exports`). Throws, saying why, when nothing matches.
 */
export function resolveImport(spec: string, from: string): string {
  if (isBuiltin(spec)) return spec.startsWith('node:') ? spec : `node:${spec}`;
  const require = createRequire(from);
  const [, name, sub] = /^((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(spec) ?? [];
  for (const base of name === undefined ? [] : (require.resolve.paths(name) ?? [])) {
    const dir = join(base, name!);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const { exports } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8').replace(BOM, '')) as { exports?: unknown };
    if (exports === undefined || exports === null) break;
    const target = exportTarget(exports, `.${sub ?? ''}`);
    if (target === undefined) throw new Error(`package ${name} exports no '.${sub ?? ''}' for import (the "exports" of its package.json)`);
    return pathToFileURL(join(dir, target)).href;
  }
  return pathToFileURL(require.resolve(spec)).href;
}

// The file `exports` maps `subpath` to (`.` or `./x`) under the import conditions: an exact key, else the longest matching `*` pattern.
function exportTarget(exports: unknown, subpath: string): string | undefined {
  const map = typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports as object).some((k) => k.startsWith('.')) ? (exports as Record<string, unknown>) : { '.': exports };
  if (Object.hasOwn(map, subpath)) return conditionTarget(map[subpath], undefined);
  const patterns = Object.keys(map)
    .filter((k) => k.includes('*'))
    .sort((a, b) => b.indexOf('*') - a.indexOf('*'));
  for (const key of patterns) {
    const [prefix, suffix] = [key.slice(0, key.indexOf('*')), key.slice(key.indexOf('*') + 1)];
    if (subpath.length >= key.length && subpath.startsWith(prefix) && subpath.endsWith(suffix)) return conditionTarget(map[key], subpath.slice(prefix.length, subpath.length - suffix.length));
  }
  return undefined;
}

// A target of `exports`: a path (its `*` replaced), the first of an array that resolves, or the first matching condition of an object.
function conditionTarget(target: unknown, star: string | undefined): string | undefined {
  if (typeof target === 'string') return star === undefined ? target : target.replaceAll('*', star);
  if (Array.isArray(target)) {
    for (const t of target) {
      const found = conditionTarget(t, star);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (target === null || typeof target !== 'object') return undefined;
  for (const [condition, value] of Object.entries(target)) {
    if (!CONDITIONS.has(condition)) continue;
    const found = conditionTarget(value, star);
    if (found !== undefined) return found;
  }
  return undefined;
}
