import { relative, resolve } from 'node:path';
import { testFileKind } from '../plan/plan-file.js';
import type { ImportGraph } from './import-graph.js';

/** A file that was added, changed or deleted while watching. */
export interface FileChange {
  readonly event: 'add' | 'change' | 'unlink';
  readonly path: string;
}

/** What a batch of changes reruns: the test files (absolute, sorted) and one line per change saying why. */
export interface Rerun {
  readonly files: string[];
  readonly lines: string[];
}

/** Whether `path` is a test file the runner discovers (`*.test.ts` / `*.suite.ts`). */
export function isTestFile(path: string): boolean {
  return testFileKind(path) !== undefined && path.endsWith('.ts');
}

const VERB = { add: 'added', change: 'changed', unlink: 'deleted' } as const;

// The test files one change reruns; a deleted test file is dropped from the graph first.
function rerunOf(change: FileChange, graph: ImportGraph, inScope: (testFile: string) => boolean): string[] {
  const path = resolve(change.path);
  if (change.event === 'unlink') {
    if (isTestFile(path)) graph.drop(path);
    return graph.dependents(path);
  }
  const self = isTestFile(path) && inScope(path) ? [path] : [];
  return [...new Set([...self, ...graph.dependents(path)])].sort();
}

// The line saying what one change reruns and why.
function describe(root: string, change: FileChange, files: readonly string[]): string {
  const rel = (p: string): string => relative(root, p);
  const what = `${rel(resolve(change.path))} ${VERB[change.event]}`;
  if (files.length > 0) return `${what}: rerunning ${files.map(rel).join(', ')}`;
  if (change.event === 'unlink' && isTestFile(change.path)) return `${what}: no longer run`;
  return `${what}: no test depends on it`;
}

/**
 * The test files a batch of changes affects, through `graph` (what each test file was last built from):
 * a changed or new test file reruns itself (when `inScope`, i.e. among the paths the run was given), a
 * source file the test files that import it directly or transitively, a deleted file the test files
 * that imported it (a deleted test file is dropped from the graph). Several events of one path count once.
 */
export function affectedTests(root: string, graph: ImportGraph, changes: readonly FileChange[], inScope: (testFile: string) => boolean = () => true): Rerun {
  const latest = new Map(changes.map((c) => [resolve(c.path), c]));
  const files = new Set<string>();
  const lines: string[] = [];
  for (const change of latest.values()) {
    const rerun = rerunOf(change, graph, inScope);
    rerun.forEach((f) => files.add(f));
    lines.push(describe(root, change, rerun));
  }
  return { files: [...files].sort(), lines };
}
