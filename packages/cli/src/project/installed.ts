import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OtpError } from '../errors/otp-error.js';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

/**
 * Throws, naming them and the fix, when the @otp-ts packages the project's package.json depends on do not
 * resolve from its root: `npm install` has not run there, and every test file would fail to load one.
 */
export function checkInstalled(root: string): void {
  const file = join(root, 'package.json');
  if (!existsSync(file)) return;
  let pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8').replace(BOM, '')) as typeof pkg;
  } catch {
    return;
  }
  const lookIn = createRequire(file).resolve.paths('@otp-ts/runtime') ?? [];
  const named = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => n.startsWith('@otp-ts/'));
  const missing = named.filter((n) => !lookIn.some((dir) => existsSync(join(dir, n, 'package.json'))));
  if (missing.length === 0) return;
  throw new OtpError('failed', `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed in ${root}: run npm install there first`, { location: { file } });
}
