import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Reads a store kept as a JSON object under _build/test; a missing or unreadable file is an empty one. */
export function readJsonStore<T extends object>(path: string): T {
  if (!existsSync(path)) return {} as T;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return {} as T;
  }
}

/** Writes a store as pretty JSON, creating its folder. */
export function writeJsonStore(path: string, store: object): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(store, null, 2)}\n`);
}
