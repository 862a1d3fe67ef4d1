import { transformSync, type TransformFailure } from 'esbuild';

/**
 * Whether a shell line is JavaScript cut short (`function f(x) {`, `1 +`, an open template literal): its parse
 * fails at the very end of the text, so more lines complete it. A REPL buffers such a line and reads on
 * (`...`); anything else, complete or wrong, is for the evaluator to run or report. Decided at once, before
 * the line waits its turn, as the next lines of a paste or a pipe arrive before an earlier line has run.
 */
export function incompleteLine(line: string): boolean {
  const text = line.trimEnd();
  if (text === '') return false;
  try {
    transformSync(text, { loader: 'js', format: 'esm', logLevel: 'silent' });
    return false;
  } catch (error) {
    const first = (error as Partial<TransformFailure>).errors?.[0];
    const at = first?.location;
    if (!first || !at) return false;
    // An unterminated '...' or "..." string is an error in a REPL too; an open `template` goes on.
    if (first.text === 'Unterminated string literal' && !text.includes('`')) return false;
    const lines = text.split('\n');
    const last = lines[lines.length - 1]!;
    return at.line === lines.length && (at.column === last.length || at.column === Buffer.byteLength(last));
  }
}
