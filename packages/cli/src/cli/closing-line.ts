/** The closing line of a test run (`N passed, N failed`, maybe `, N skipped`). */
export const CLOSING_LINE = /^\d+ passed, \d+ failed/;

/** A stream of a child's output passed on line by line as it comes, its last closing line held back (see `end`). */
export interface ClosingLineHolder {
  /** Takes a chunk of the child's output: complete lines are written at once, except a closing line, held until another line follows. */
  push(chunk: string): void;
  /** The child ended: writes an unfinished last line, and returns the closing line if it was the last line (not written), else undefined. */
  end(): string | undefined;
  /** Whether anything was written so far (the closing line held back aside). */
  readonly wrote: boolean;
}

/**
 * Streams a `--cover` child's report as a normal run prints it, while keeping its closing line back so that it can
 * still come last, after the coverage table; with `hold: false` (--watch, whose runs each close) nothing is held.
 */
export function holdClosingLine(write: (text: string) => void, hold = true): ClosingLineHolder {
  let partial = '';
  let held: string | undefined;
  let wrote = false;
  const out = (text: string): void => {
    if (text === '') return;
    wrote = true;
    write(text);
  };
  return {
    push(chunk) {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (held !== undefined) out(`${held}\n`);
        held = undefined;
        if (hold && CLOSING_LINE.test(line)) held = line;
        else out(`${line}\n`);
      }
    },
    end() {
      if (partial.trim() === '') return held;
      if (held !== undefined) out(`${held}\n`);
      held = undefined;
      if (hold && CLOSING_LINE.test(partial)) return partial;
      out(`${partial}\n`);
      return undefined;
    },
    get wrote() {
      return wrote;
    },
  };
}
