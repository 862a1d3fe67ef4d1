import { isAbsolute, relative } from 'node:path';

/** Where a diagnostic points. */
export interface Location {
  file: string;
  line: number;
  /** 0-based, as esbuild gives it; shown 1-based (`file:line:column`, as tsc and editors read it). */
  column: number;
  /** The source line, for the renderer. */
  lineText?: string;
}

/** One problem found while compiling, as data (esbuild's shape): text, location and a suggested fix. */
export interface Diagnostic {
  text: string;
  location?: Location;
  suggestion?: string;
}

/** Compiling failed: every diagnostic, and a message listing them as `file:line:column: text`. */
export class CompileError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
    this.name = 'CompileError';
  }
}

/** `file:line:column: text (suggestion)`, the column 1-based; with `root`, a file under it is shown relative to it (as tsc prints). */
export function formatDiagnostic(d: Diagnostic, root?: string): string {
  const file = d.location && root !== undefined ? shownPath(d.location.file, root) : d.location?.file;
  const where = d.location ? `${file}:${d.location.line}:${d.location.column + 1}: ` : '';
  return `${where}${d.text}${d.suggestion ? ` (${d.suggestion})` : ''}`;
}

// A file's path relative to the project root when it lies inside it, else as given.
function shownPath(file: string, root: string): string {
  const rel = relative(root, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}
