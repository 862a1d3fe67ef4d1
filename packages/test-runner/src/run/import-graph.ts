import { isAbsolute, resolve } from 'node:path';

/**
 * Which files each test file is built from: every input esbuild bundled into it (the test file itself,
 * the sources it imports directly or transitively), as absolute paths. `runTests` refreshes a file's
 * entry each time it builds it; `--watch` asks it which test files a change affects.
 */
export class ImportGraph {
  // testFile → its inputs; `undefined` while its last build failed (its imports are then unknown).
  readonly #inputs = new Map<string, ReadonlySet<string> | undefined>();

  /** Records the inputs of the latest build of `testFile`, or `undefined` when that build failed. */
  record(testFile: string, inputs: Iterable<string> | undefined): void {
    const file = resolve(testFile);
    if (inputs === undefined) this.#inputs.set(file, undefined);
    else this.#inputs.set(file, new Set([file, ...Array.from(inputs, (p) => resolve(p))]));
  }

  /** Forgets a test file (it was deleted). */
  drop(testFile: string): void {
    this.#inputs.delete(resolve(testFile));
  }

  /** The test files whose inputs contain `path`, sorted; a test file whose last build failed depends on every file. */
  dependents(path: string): string[] {
    const changed = resolve(path);
    return [...this.#inputs].filter(([, inputs]) => inputs === undefined || inputs.has(changed)).map(([file]) => file).sort();
  }

  /** The test files recorded, sorted. */
  files(): string[] {
    return [...this.#inputs.keys()].sort();
  }
}

/** The absolute paths of the inputs of an esbuild metafile (keys relative to `root`; plugin namespaces other than `file` skipped). */
export function metafileInputs(root: string, inputs: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(inputs)
    .filter((key) => isAbsolute(key) || !/^[a-z][\w-]*:/i.test(key) || key.startsWith('file:'))
    .map((key) => resolve(root, key.startsWith('file:') ? key.slice('file:'.length) : key));
}
