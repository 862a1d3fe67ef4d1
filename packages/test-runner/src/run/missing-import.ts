// A test file whose sources import a package that is not installed fails to load with Node's message naming the
// bundle under _build/; the compile step records each such import, so the failure names the source that has it.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { toFailureInfo } from './failure-info.js';

/** An import of a package that could not be resolved when the file was compiled: the package, and where it is imported (`src/shop.ts:3`). */
export interface MissingImport {
  readonly pkg: string;
  readonly at: string;
}

// The package a bare specifier names (`@scope/name` or `name`, without a subpath), and the first line of `importer` that imports it.
export function missingImport(spec: string, importer: string, root: string): MissingImport {
  const pkg = spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
  let line: number | undefined;
  try {
    const index = readFileSync(importer, 'utf8').split('\n').findIndex((l) => l.includes(`'${spec}'`) || l.includes(`"${spec}"`) || l.includes(`\`${spec}\``));
    if (index >= 0) line = index + 1;
  } catch {
    // Not a file (a virtual module): named without a line.
  }
  return { pkg, at: `${relative(root, importer) || importer}${line === undefined ? '' : `:${line}`}` };
}

/** Why a test file could not be loaded: for a package that is not installed, the source importing it and the fix; else the error. */
export function loadFailureText(file: string, error: unknown, missing: readonly MissingImport[] = []): string {
  const notFound = (error as { code?: unknown } | null)?.code === 'ERR_MODULE_NOT_FOUND' ? /Cannot find package '([^']+)'/.exec(String((error as Error).message)) : null;
  const found = notFound ? missing.find((m) => m.pkg === notFound[1]) : undefined;
  if (found === undefined) return toFailureInfo(error, `${file} could not be loaded`).text;
  return `${file} could not be loaded: ${found.at} imports '${found.pkg}', which is not installed: run npm install if package.json lists it, else add it with npm install ${found.pkg}`;
}
