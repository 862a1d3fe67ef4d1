import type { CaseResult, FileResult, RunResult } from '../result.js';
import type { Reporter } from './types.js';
import { oneLine, printable } from './text.js';
import { closingLine } from './tty.js';

// A TAP description is one line (control characters escaped, as the tty report prints them), and a `#` in it would start a directive: escaped, as TAP 13 says.
const description = (c: CaseResult): string => oneLine(c.id === 'file' && c.name === c.file ? c.file : `${c.file} › ${c.path.length > 1 ? c.path.join(' > ') : c.name}`).replace(/#/g, '\\#');

// A YAML block scalar: every line indented under its key, no terminal sequence or control character.
const block = (text: string): string => printable(text, false).trimEnd().split('\n').map((l) => `    ${l}`).join('\n');

function point(c: CaseResult, n: number): string {
  if (c.status === 'skipped') return `ok ${n} - ${description(c)} # SKIP ${oneLine(c.skipReason ?? '').replace(/#/g, '\\#')}`;
  if (c.status === 'passed') return `ok ${n} - ${description(c)}`;
  const f = c.failure;
  return `not ok ${n} - ${description(c)}\n  ---\n  message: ${JSON.stringify(printable(f?.message ?? 'failed', false))}\n  severity: fail\n${f ? `  text: |-\n${block(f.text)}\n` : ''}  ...`;
}

// A file's warnings (a crashed endPerTestcase, a dead worker, leaks) as TAP comments after its points: `# warning: file: text`, further lines indented.
const warnings = (f: FileResult): string[] => f.warnings.map((w) => `# warning: ${oneLine(f.file)}: ${printable(w, false).trimEnd().split('\n').join('\n#   ')}`);

/** The run as TAP version 13: one test point per case (a skip as `# SKIP`, a failure with a YAML block), each file's warnings as comments, then the closing line as a comment. */
export function toTap(result: RunResult): string {
  const cases = result.files.flatMap((f) => f.cases);
  let n = 0;
  const points = result.files.flatMap((f) => [...f.cases.map((c) => point(c, ++n)), ...warnings(f)]);
  const bail = result.interrupted !== undefined ? [`# interrupted by ${result.interrupted}`] : result.noTests !== undefined ? [`# no test ran: ${oneLine(result.noTests)}`] : result.nothingToRun !== undefined ? [`# no test ran: ${oneLine(result.nothingToRun)}`] : [];
  return `${['TAP version 13', `1..${cases.length}`, ...points, ...bail, `# ${closingLine(result.counts)}`].join('\n')}\n`;
}

/** Writes the run as TAP (see `toTap`) through `write`, e.g. to `_build/test/results.tap`. */
export function tapReporter(write: (text: string) => void): Reporter {
  return { onRunEnd: (result) => write(toTap(result)) };
}
