import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import { diffPattern, diffValues } from './diff.js';
import { show } from './format.js';

/** What an assertion failure carries besides its message (all optional: `assert(false)` has no expected value). */
export interface FailureDetails {
  /** What the assertion wanted. */
  expected?: unknown;
  /** What it got. */
  actual?: unknown;
  /** The assertion's name, e.g. `assertEqual`. */
  operator: string;
  /** Show a structural diff of expected and actual: `'equal'` for equality, `'pattern'` for partial matches. */
  diff?: 'equal' | 'pattern';
}

/** Where a failing assertion was written: file, line, column and the text of that line. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  lineText: string;
}

/** Thrown by every failing assertion; the runner shows its diff and source line. */
export class AssertionFailure extends Error {
  /** What the assertion wanted. */
  readonly expected: unknown;
  /** What it got. */
  readonly actual: unknown;
  /** The assertion that failed. */
  readonly operator: string;
  /** A `-`/`+` line diff of expected and actual, when the assertion compares values. */
  readonly diff: string | undefined;
  /** The failing call's source line, when the stack leads to a readable file. */
  readonly location: SourceLocation | undefined;

  constructor(message: string, details: FailureDetails, caller: (...args: never[]) => unknown) {
    super(message);
    this.name = 'AssertionFailure';
    this.expected = details.expected;
    this.actual = details.actual;
    this.operator = details.operator;
    this.diff = details.diff === 'pattern' ? diffPattern(details.expected, details.actual) : details.diff ? diffValues(details.expected, details.actual) : undefined;
    Error.captureStackTrace(this, caller);
    this.location = locate(this.stack ?? '');
  }
}

/** True for an `AssertionFailure` from any copy of this module (the runner and the tests may load different copies). */
export function isAssertionFailure(e: unknown): e is AssertionFailure {
  return e instanceof Error && e.name === 'AssertionFailure' && 'operator' in e;
}

// Frames inside the runner's own files are skipped: the interesting line is the test's.
const ownDir = `${dirname(fileURLToPath(import.meta.url))}/`;

/** The first stack frame with a readable file, and that file's line. */
export function locate(stack: string): SourceLocation | undefined {
  for (const m of stack.matchAll(/\(?((?:file:\/\/)?\/[^():\s]+):(\d+):(\d+)\)?$/gm)) {
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    if (file.includes('/node_modules/') || file.startsWith(ownDir)) continue;
    try {
      const lineText = readFileSync(file, 'utf8').split('\n')[Number(m[2]) - 1];
      if (lineText !== undefined) return { file, line: Number(m[2]), column: Number(m[3]), lineText: lineText.trim() };
    } catch {
      continue;
    }
  }
  return undefined;
}

// A file under the working directory (the project, where otp test runs) as a relative path, as the report names test files.
function shownFile(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
}

/** The full text of a failure as reporters print it: message, source line, diff. */
export function describeFailure(e: AssertionFailure): string {
  const parts = [e.message];
  if (e.location) parts.push(`  at ${shownFile(e.location.file)}:${e.location.line}:${e.location.column}\n  > ${e.location.lineText}`);
  if (e.diff) parts.push(e.diff);
  else if (e.expected !== undefined || e.actual !== undefined) parts.push(`expected: ${show(e.expected)}\nactual:   ${show(e.actual)}`);
  return parts.join('\n\n');
}
