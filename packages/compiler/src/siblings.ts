import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppSource } from './apps.js';
import type { Diagnostic } from './errors.js';
import { candidates, importLocation } from './local-imports.js';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

/**
 * Imports of another application of the project (an umbrella's `import { count } from 'umb/src/umb_server.ts'`)
 * become imports of that application's module in the code server. Node.js would resolve the package to the
 * sibling's TypeScript sources, which it cannot load, and a release holds no such package at all; as a module
 * name (`umb/umb_server`, written relative to the importer so the code server resolves it) the import finds
 * the loaded module, and follows it through hot upgrades as imports within an application do.
 */
export function linkSiblingImports(text: string, from: { app: AppSource; module: string; file: string; text: string }, apps: readonly AppSource[], diagnostics: Diagnostic[]): string {
  return text.replace(/\brequire\("((?:@[^"/]+\/)?[^"./][^"/]*)((?:\/[^"]*)?)"\)/g, (whole, pkg: string, sub: string) => {
    const sibling = apps.find((a) => a !== from.app && a.pkg === pkg);
    if (sibling === undefined) return whole;
    const target = siblingModule(sibling, sub.slice(1));
    const spec = `${pkg}${sub}`;
    const location = importLocation(from, spec);
    if (target === undefined) {
      diagnostics.push({ text: `${from.module} imports '${spec}', which is not a source module of the application ${sibling.name}`, location, suggestion: `import one of its modules under src/, e.g. '${pkg}/src/<module>.ts'` });
      return whole;
    }
    if (!(from.app.otp.applications ?? []).includes(sibling.name)) {
      diagnostics.push({ text: `${from.module} imports '${spec}', a module of the application ${sibling.name}, which ${from.app.name}'s otp.applications does not list`, location, suggestion: `add "${sibling.name}" to otp.applications in ${from.app.name}'s package.json, so ${sibling.name} is loaded and started first` });
      return whole;
    }
    const up = '../'.repeat(from.module.split('/').length - 1);
    return `require(${JSON.stringify(up + target)})`;
  });
}

// The module name of a sibling's source file a subpath names as an import within it would (`src/umb_server.ts`,
// `src/umb_server.js`, `src/umb_server`, `src/util` for its index, `src/data.json`), or of its package.json's
// main/exports when the subpath is empty; else undefined.
function siblingModule(app: AppSource, sub: string): string | undefined {
  const path = sub === '' ? entryOf(app) : sub;
  if (path === undefined) return undefined;
  const base = path.replace(/^\.\//, '');
  if (!base.startsWith('src/')) return undefined;
  const file = candidates(base).find((f) => existsSync(join(app.dir, f)));
  return file === undefined ? undefined : `${app.name}/${file.slice('src/'.length).replace(/\.(ts|mts)$/, '')}`;
}

function entryOf(app: AppSource): string | undefined {
  const pkg = JSON.parse(readFileSync(join(app.dir, 'package.json'), 'utf8').replace(BOM, '')) as { main?: unknown; exports?: unknown };
  const dot = typeof pkg.exports === 'object' && pkg.exports !== null ? (pkg.exports as Record<string, unknown>)['.'] : pkg.exports;
  const entry = typeof dot === 'object' && dot !== null ? ((dot as Record<string, unknown>).import ?? (dot as Record<string, unknown>).default) : dot;
  return typeof entry === 'string' ? entry : typeof pkg.main === 'string' ? pkg.main : undefined;
}
