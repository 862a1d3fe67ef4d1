import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests, type RunOptions, type RunResult, type CaseResult } from '@otp-ts/test-runner';

const here = dirname(fileURLToPath(import.meta.url));
const repoModules = join(here, '..', '..', '..', 'node_modules');

/** A run of a fixture project, copied to a fresh temporary folder (so runs never share `_build/`). */
export interface FixtureRun {
  readonly result: RunResult;
  /** What the tty reporter printed. */
  readonly text: string;
  readonly root: string;
  /** The case whose full name ends with `suffix`. */
  find(suffix: string): CaseResult;
}

/** Copies `fixtures/<name>` to a temporary project (node_modules linked to the repository's) and returns its root. */
export function fixtureCopy(name: string): string {
  const root = mkdtempSync(join(tmpdir(), `otp-test-runner-${name}-`));
  cpSync(join(here, 'fixtures', name), root, { recursive: true, filter: (src) => !src.includes('_build') });
  symlinkSync(repoModules, join(root, 'node_modules'), 'dir');
  return root;
}

/** Runs a fixture project with the tty reporter captured. */
export async function runFixture(name: string, options: RunOptions = {}, root = fixtureCopy(name)): Promise<FixtureRun> {
  let text = '';
  const result = await runTests({ root, jobs: 2, reporters: ['tty'], output: { write: (s: string) => (text += s) }, ...options });
  const find = (suffix: string): CaseResult => {
    const c = result.files.flatMap((f) => f.cases).find((x) => x.path.join(' > ').endsWith(suffix));
    if (c === undefined) throw new Error(`no case ending with ${suffix} in ${result.files.flatMap((f) => f.cases.map((x) => x.path.join(' > '))).join(', ')}`);
    return c;
  };
  return { result, text, root, find };
}

/** Removes a fixture copy. */
export function removeCopy(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** The run folders of a project's HTML log tree (`_build/test/logs/run.*`), oldest first. */
export function runLogFolders(root: string): string[] {
  const logs = join(root, '_build', 'test', 'logs');
  return readdirSync(logs).filter((n) => n.startsWith('run.')).sort().map((n) => join(logs, n));
}
