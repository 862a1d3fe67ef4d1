import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ReleaseError } from './errors.js';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

/** Every file under `dir`, as paths relative to it with `/` separators, sorted; `skip` leaves out names (at any depth). */
export function listFiles(dir: string, skip: readonly string[] = []): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    // A symbolic link counts when it leads to a file (it is copied as that file).
    .filter((e) => e.isFile() || (e.isSymbolicLink() && statSync(join(e.parentPath, e.name), { throwIfNoEntry: false })?.isFile() === true))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .filter((p) => !p.split('/').some((part) => skip.includes(part)))
    .sort();
}

/** Reads a JSON file; a missing one is undefined, a broken one a ReleaseError naming it. */
export function readJson<T>(file: string, what: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8').replace(BOM, '')) as T;
  } catch (error) {
    throw new ReleaseError('assembly', `${file} is not valid JSON (${(error as Error).message}): fix or delete ${what}`, { file, cause: error });
  }
}

/** A module's compiled code with its `//# sourceMappingURL=` lines removed: a change only there is no change. */
export function withoutSourceMap(code: string): string {
  return code.replace(/^\/\/# sourceMappingURL=.*$/gm, '').trimEnd();
}

/** A digest of a compiled application folder: app.json and every module's code without source maps (what a node runs), its npm packages aside. */
export function appFingerprint(dir: string): string {
  const hash = createHash('sha256');
  for (const file of listFiles(dir, ['.hashes.json', 'node_modules'])) {
    if (file.endsWith('.map')) continue;
    const text = readFileSync(join(dir, file), 'utf8');
    hash.update(`${file}\0${file.endsWith('.js') ? withoutSourceMap(text) : text}\0`);
  }
  return hash.digest('hex');
}
