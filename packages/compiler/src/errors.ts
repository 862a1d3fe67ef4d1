/** Where a diagnostic points. */
export interface Location {
  file: string;
  line: number;
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
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'CompileError';
  }
}

/** `file:line:column: text (suggestion)`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.column}: ` : '';
  return `${where}${d.text}${d.suggestion ? ` (${d.suggestion})` : ''}`;
}
