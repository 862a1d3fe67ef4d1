import { basename } from 'node:path';
import type { FilePlan } from './types.js';
import { planEunit, type PlanOptions } from './eunit.js';
import { planSuite } from './suite.js';

/** The kind of test file a path names, by its suffix, or undefined for any other file. */
export function testFileKind(file: string): 'eunit' | 'suite' | undefined {
  if (/\.test\.[cm]?[jt]sx?$/.test(file)) return 'eunit';
  if (/\.suite\.[cm]?[jt]sx?$/.test(file)) return 'suite';
  return undefined;
}

/** The module name of a test file: its base name without `.test.ts` / `.suite.ts`. */
export function moduleName(file: string): string {
  return basename(file).replace(/\.(test|suite)\.[cm]?[jt]sx?$/, '');
}

/** The plan of one test file from its exports (pure: calls the file's generators, `all()` and `groups()`, nothing else). */
export function planFile(file: string, exports: Readonly<Record<string, unknown>>, options: PlanOptions = {}): FilePlan {
  const module = moduleName(file);
  return testFileKind(file) === 'suite' ? planSuite(file, module, exports, options) : planEunit(file, module, exports, options);
}
