// File helpers the packages' unit tests share: temp folders cleaned up after the test file, and trees of files.
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

/** A fresh temp folder, removed when the test file ends. */
export function tempDir(prefix = 'otp-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes files (path → content) under `root`, creating folders. */
export function writeTree(root: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/**
 * A throwaway project for a test file, removed when it ends: a temp folder named from `prefix` (its real path), a copy
 * of the fixture folder `from` when given (without its _build/), node_modules linked to the repository's, then `files`
 * (path → content) written over it. No package.json unless the fixture or `files` hold one.
 */
export function tempProject(prefix: string, files: Record<string, string> = {}, from?: string): string {
  const dir = realpathSync(tempDir(prefix));
  if (from !== undefined) cpSync(from, dir, { recursive: true, filter: (src) => !src.slice(from.length).includes('_build') });
  symlinkSync(fileURLToPath(new URL('../../node_modules', import.meta.url)), join(dir, 'node_modules'), 'dir');
  return writeTree(dir, files);
}

/**
 * A scratch otp-ts project, removed when the test file ends: a package.json named `name`, node_modules linked to the
 * repository's, src/ and test/ (empty unless `files` fill them), and `files` (path → content) written under it.
 */
export function scratchProject(name: string, files: Record<string, string> = {}): string {
  const dir = tempProject(`otp-${name}-`);
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'test'));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, version: '0.1.0', private: true, type: 'module', otp: {} })}\n`);
  return writeTree(dir, files);
}
