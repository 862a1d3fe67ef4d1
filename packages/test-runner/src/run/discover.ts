import { readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
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

/** A test path given to the runner (an argument or otp.config.ts's `test.paths`) that names nothing: the user's mistake, not the runner's. */
export class TestPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TestPathError';
  }
}

// A path whose segments may hold `*` and `?` (`apps/*/test`), expanded against the folders that exist.
function expand(root: string, path: string): string[] {
  if (!/[*?]/.test(path)) return [resolve(root, path)];
  const absolute = resolve(root, path);
  const segments = absolute.split(sep);
  let found = [segments[0] || sep];
  for (const segment of segments.slice(1)) {
    if (!/[*?]/.test(segment)) {
      found = found.map((dir) => join(dir, segment));
      continue;
    }
    const re = new RegExp(`^${segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
    found = found.flatMap((dir) => {
      const st = statSync(dir, { throwIfNoEntry: false });
      return st?.isDirectory() ? readdirSync(dir).filter((name) => !name.startsWith('.') && re.test(name)).sort().map((name) => join(dir, name)) : [];
    });
  }
  const existing = found.filter((p) => statSync(p, { throwIfNoEntry: false }) !== undefined);
  if (existing.length === 0) throw new TestPathError(`${absolute} matches no file or folder: give test files or folders that exist`);
  return existing;
}

/** The `*.test.ts` and `*.suite.ts` files under `root` (or under the given paths: files, folders, or patterns with `*` and `?` in folder names, as an umbrella's apps' test folders), sorted, absolute. */
export function discoverTestFiles(root: string, paths: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const [p, named] of paths.length > 0 ? paths.flatMap((x) => expand(root, x).map((e) => [e, !/[*?]/.test(x)] as const)) : [[root, true] as const]) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (st === undefined) throw new TestPathError(`${p} does not exist: give test files or folders that exist`);
    if (st.isDirectory()) walk(p, out);
    // A file named outright must be a test file (its module code would run in a worker, and it holds no test); a pattern keeps the test files it matches.
    else if (testFileKind(p) !== undefined) out.push(p);
    else if (named) throw new TestPathError(`${p} is not a test file: give *.test.ts or *.suite.ts files, or folders that hold them`);
  }
  return [...new Set(out)].sort();
}
