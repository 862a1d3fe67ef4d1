import type { CaseResult, FileResult, RunResult } from '../result.js';
import type { Reporter } from './types.js';
import { oneLine, printable } from './text.js';
import { closingLine } from './tty.js';

// A TAP description is one line (control characters escaped, as the tty report prints them), and a `#` in it would start a directive: escaped, as TAP 13 says.
const description = (c: CaseResult): string => oneLine(c.id === 'file' && c.name === c.file ? c.file : `${c.file} › ${c.path.length > 1 ? c.path.join(' > ') : c.name}`).replace(/#/g, '\\#');

// A YAML block scalar: every line indented under its key, no terminal sequence or control character.
const block = (text: string): string => printable(text, false).trimEnd().split('\n').map((l) => `    ${l}`).join('\n');

// A failing point with its YAML block (message, and the failure's text when there is one).
const notOk = (n: number, what: string, message: string, text?: string): string =>
  `not ok ${n} - ${what}\n  ---\n  message: ${JSON.stringify(printable(message, false))}\n  severity: fail\n${text !== undefined ? `  text: |-\n${block(text)}\n` : ''}  ...`;

function point(c: CaseResult, n: number, autoSkipsFail: boolean): string {
  // An auto-skipped case fails the run (as JUnit's <error> says) unless ignoreAutoSkips: a TAP consumer must not read it as a skip.
  if (c.status === 'skipped' && c.autoSkipped && autoSkipsFail) return notOk(n, description(c), `auto-skipped: ${c.skipReason ?? ''}`);
  // A node:test todo (skip reason `todo` or `todo: why`) is a TODO directive, as node --test's TAP says, not a SKIP.
  const todo = c.status === 'skipped' ? /^todo(?:: (.*))?$/s.exec(c.skipReason ?? '') : null;
  if (todo) return `ok ${n} - ${description(c)} # TODO${todo[1] ? ` ${oneLine(todo[1]).replace(/#/g, '\\#')}` : ''}`;
  if (c.status === 'skipped') return `ok ${n} - ${description(c)} # SKIP ${oneLine(c.skipReason ?? '').replace(/#/g, '\\#')}`;
  if (c.status === 'passed') return `ok ${n} - ${description(c)}`;
  return notOk(n, description(c), c.failure?.message ?? 'failed', c.failure?.text);
}

// A file's warnings (a crashed endPerTestcase, a dead worker, leaks) as TAP comments after its points: `# warning: file: text`, further lines indented.
const warnings = (f: FileResult): string[] => f.warnings.map((w) => `# warning: ${oneLine(f.file)}: ${printable(w, false).trimEnd().split('\n').join('\n#   ')}`);

/**
 * The run as TAP version 13: one test point per case (a skip as `# SKIP`, a node:test todo as `# TODO`, a failure or a failing auto-skip with a YAML
 * block), each file's warnings as comments, then the closing line as a comment. A run that fails with no failed case
 * reads as failed to a TAP consumer too: no test ran adds a failing `no test ran` point, an interruption a `Bail out!`.
 */
export function toTap(result: RunResult): string {
  let n = 0;
  const points = result.files.flatMap((f) => [...f.cases.map((c) => point(c, ++n, result.autoSkipsIgnored !== true)), ...warnings(f)]);
  const none = result.noTests !== undefined && result.interrupted === undefined ? [`# no test ran: ${oneLine(result.noTests)}`, notOk(++n, 'no test ran', result.noTests)] : [];
  const bail = result.interrupted !== undefined ? [`# interrupted by ${result.interrupted}`, `Bail out! interrupted by ${oneLine(result.interrupted)}`] : result.nothingToRun !== undefined ? [`# no test ran: ${oneLine(result.nothingToRun)}`] : none;
  return `${['TAP version 13', `1..${n}`, ...points, ...bail, `# ${closingLine(result.counts)}`].join('\n')}\n`;
}

/** Writes the run as TAP (see `toTap`) through `write`, e.g. to `_build/test/results.tap`. */
export function tapReporter(write: (text: string) => void): Reporter {
  return { onRunEnd: (result) => write(toTap(result)) };
}
