import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { testFileKind } from '../plan/plan-file.js';

const SKIPPED_DIRS = new Set(['node_modules', '_build', 'dist', 'coverage']);

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) walk(p, out);
    } else if (entry.isFile() && testFileKind(entry.name) !== undefined && /\.ts$/.test(entry.name)) out.push(p);
  }
}

/** The `*.test.ts` and `*.suite.ts` files under `root` (or under the given paths: files or folders), sorted, absolute. */
export function discoverTestFiles(root: string, paths: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const p of paths.length > 0 ? paths.map((x) => resolve(root, x)) : [root]) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (st === undefined) throw new Error(`${p} does not exist: give test files or folders that exist`);
    if (st.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return [...new Set(out)].sort();
}
