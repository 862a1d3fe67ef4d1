import type { CaseResult, FileResult, RunResult } from '../result.js';
import { colours, type Colours } from '@otp-ts/runtime/tools';
import type { Output, Reporter, RunStart } from './types.js';
import { oneLine, printable } from './text.js';

const SLOWEST = 5;

/** The closing line of every run: `N passed, N failed` plus `, N skipped` when any were skipped. */
export function closingLine(counts: RunResult['counts']): string {
  return `${counts.passed} passed, ${counts.failed} failed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ''}`;
}

// A reason after a listed case: no escape sequence, and its further lines indented below the case's.
const under = (text: string): string => printable(text, false).trimEnd().split('\n').join('\n    ');

const indent = (text: string, by = '    '): string => text.split('\n').map((l) => (l ? by + l : l)).join('\n');

// A failure of the file as a whole (it did not load, or code no test owns threw) is named by what happened.
const caseName = (c: CaseResult): string => oneLine(c.path.length > 1 ? c.path.join(' > ') : c.name);
// A failure's heading: `file › case`, or the file alone when the file itself failed (it did not compile or load), whose text says why.
const heading = (c: CaseResult): string => (c.id === 'file' && c.name === c.file ? oneLine(c.file) : `${oneLine(c.file)} › ${caseName(c)}`);
// A case in the lists below its file: `file › module > group > case`, on one line.
const listed = (c: CaseResult): string => `${oneLine(c.file)} › ${oneLine(c.path.join(' > '))}`;

function describeCase(c: CaseResult, paint: Colours, verbose: boolean): string {
  const lines = [paint.red(`✖ ${heading(c)}`)];
  if (c.failure) lines.push(indent(printable(verbose && c.failure.stack !== undefined ? `${c.failure.text}\n\nfull stack:\n${c.failure.stack}` : c.failure.text, paint.enabled)));
  if (c.log?.length) lines.push(indent(`log:\n${indent(printable(c.log.join('\n'), paint.enabled), '  ')}`));
  return lines.join('\n');
}

function describeFlaky(c: CaseResult): string {
  const first = c.retries?.[0]?.message.split('\n')[0] ?? '';
  return `  ⚠ ${oneLine(c.file)} › ${caseName(c)}: passed on attempt ${c.attempts ?? '?'}${first ? ` (first failure: ${oneLine(printable(first, false))})` : ''}`;
}

/** The first line of a run: how many files, its shard, and with `shuffle` the seed that replays its order. */
export function startLine(info: RunStart): string {
  const shard = info.shard ? `, shard ${info.shard.index}/${info.shard.count}` : '';
  const order = info.shuffled ? ` (shuffle seed ${info.shuffleSeed}, in random order: replay with --shuffle --seed ${info.shuffleSeed})` : '';
  return `running ${info.files.length} test file(s)${shard}${order}`;
}

// Why a run with no failed case fails on auto-skipped ones (a suite's required config missing), so `0 failed` with exit 1 is never unexplained.
function autoSkipLine(result: RunResult): string | undefined {
  const auto = result.counts.failed === 0 ? result.files.flatMap((f) => f.cases).filter((c) => c.autoSkipped) : [];
  if (auto.length === 0) return undefined;
  const verdict = result.autoSkipsIgnored ? 'they do not fail the run (--ignore-auto-skips)' : 'auto-skipped tests fail the run, as in Common Test (--ignore-auto-skips lets them pass)';
  return `⚠ ${auto.length} test(s) auto-skipped (${oneLine(printable(auto[0]!.skipReason ?? '', false))}): ${verdict}`;
}

/** Without the tty reporter (`--reporter junit,json`): the closing line alone, after a run that selected no test the reason, so stdout still tells pass from fail. */
export function closingLineReporter(out: Output = process.stdout): Reporter {
  const paint = colours(out);
  return {
    onRunEnd(result: RunResult) {
      if (result.noTests !== undefined) out.write(`${paint.yellow(`⚠ no test ran: ${printable(result.noTests, false)}`)}\n`);
      if (result.nothingToRun !== undefined) out.write(`no test ran: ${printable(result.nothingToRun, false)}\n`);
      const auto = autoSkipLine(result);
      if (auto !== undefined) out.write(`${paint.yellow(auto)}\n`);
      const closing = closingLine(result.counts);
      out.write(`${result.ok ? paint.green(closing) : paint.red(closing)}\n`);
    },
  };
}

/** Options of the tty reporter. */
export interface TtyOptions {
  /** Errors only (`otp test -q`): the failures, the output and warnings of failing files, an interruption and the closing line; no progress, file lines, skips, leaks, flaky or slowest lists. */
  readonly quiet?: boolean;
  /** Print each failure's full stack (`otp test --verbose`) below its text, which keeps the user's frames only. */
  readonly verbose?: boolean;
  /** Auto-skipped cases do not fail the run (`ignoreAutoSkips`): a file holding some is not marked as failing. */
  readonly ignoreAutoSkips?: boolean;
}

/** The terminal reporter: a progress line on a TTY (plain lines otherwise), then failures with diffs, leaks, slowest tests and the closing line. */
export function ttyReporter(out: Output = process.stdout, options: TtyOptions = {}): Reporter {
  // Red failures, green passes, yellow warnings and bold headings on a terminal (NO_COLOR, FORCE_COLOR honoured).
  const paint = colours(out);
  const quiet = options.quiet === true;
  let done = 0;
  let failed = 0;
  const progress = (): void => {
    if (out.isTTY && !quiet) out.write(`\r\x1b[K${done} test(s) run, ${failed} failed…`);
  };
  return {
    onRunStart(info: RunStart) {
      if (!quiet) out.write(`${startLine(info)}\n`);
    },
    onCaseEnd(c) {
      done++;
      if (c.status === 'failed') failed++;
      progress();
    },
    onFileEnd(f: FileResult) {
      if (quiet) return;
      if (out.isTTY) out.write('\r\x1b[K');
      const bad = f.cases.filter((c) => c.status === 'failed').length;
      const skipped = f.cases.filter((c) => c.status === 'skipped').length;
      const flaky = f.cases.filter((c) => c.flaky).length;
      // Auto-skipped cases (a failed init function) and cases an interruption cut short fail the run, so their file is not marked as passing.
      const failing = bad > 0 || f.cases.some((c) => (c.autoSkipped && options.ignoreAutoSkips !== true) || c.interrupted);
      // A file that ran no test is no pass to tick green: it was warned about (it holds none), or the filters selected none of its tests.
      const warned = !failing && f.cases.length === 0 && f.warnings.length > 0;
      const unselected = !failing && f.cases.length === 0 && !warned;
      // A file whose every case was skipped (`only` elsewhere in it, skip marks, a filter) ran nothing either: no ✔ for it.
      const ranNone = !failing && !warned && !unselected && skipped === f.cases.length;
      const counts = unselected ? 'no test selected' : `${f.cases.length - bad - skipped} passed${bad ? `, ${bad} failed` : ''}${skipped ? `, ${skipped} skipped` : ''}${flaky ? `, ${flaky} flaky` : ''}`;
      const line = `${failing ? '✖' : warned ? '⚠' : unselected || ranNone ? '-' : '✔'} ${oneLine(f.file)} (${counts}, ${Math.round(f.durationMs)} ms)`;
      out.write(`${failing ? paint.red(line) : warned || unselected || ranNone ? paint.yellow(line) : paint.green(line)}\n`);
      progress();
    },
    onRunEnd(result: RunResult) {
      if (out.isTTY && !quiet) out.write('\r\x1b[K');
      // Quiet prints nothing above the closing line for a run without errors: no blank line before it either.
      let said = !quiet;
      const o: Output = { isTTY: out.isTTY, write: (text: string) => ((said = true), out.write(text)) };
      const cases = result.files.flatMap((f) => f.cases);
      const failures = cases.filter((c) => c.status === 'failed');
      if (failures.length > 0) o.write(`\n${paint.bold('Failures:')}\n\n${failures.map((c) => describeCase(c, paint, options.verbose === true)).join('\n\n')}\n`);
      for (const f of result.files) {
        const outputShown = f.output.trim() && f.cases.some((c) => c.status === 'failed');
        if (outputShown) o.write(`\nOutput of ${oneLine(f.file)}:\n${indent(printable(f.output, paint.enabled).trimEnd())}\n`);
        // Quiet keeps the warnings of a failing file: they say why (a failed init auto-skipped its cases, a worker died).
        const failing = f.cases.some((c) => c.status === 'failed' || c.autoSkipped);
        if (!quiet || failing) for (const w of f.warnings) o.write(`\n${paint.yellow(`⚠ ${oneLine(f.file)}: ${printable(w, false)}`)}\n`);
      }
      if (!quiet) details(cases, o);
      if (result.interrupted !== undefined) {
        const unfinished = result.files.filter((f) => f.cases.some((c) => c.interrupted)).length;
        o.write(`\n${paint.yellow(`⚠ interrupted by ${result.interrupted}: ${unfinished} test file(s) did not finish; what they did not run is reported as skipped, and the run fails`)}\n`);
      }
      // A run that selected no test fails: why is said where the report is read, above its closing line (quiet too: it is the error).
      if (result.noTests !== undefined) o.write(`\n${paint.yellow(`⚠ no test ran: ${printable(result.noTests, false)}`)}\n`);
      const auto = autoSkipLine(result);
      if (auto !== undefined) o.write(`\n${paint.yellow(auto)}\n`);
      // A run that selected nothing and passes (an empty shard, nothing to rerun) says why, so a green `0 passed` is never unexplained.
      if (result.nothingToRun !== undefined) o.write(`\nno test ran: ${printable(result.nothingToRun, false)}\n`);
      const closing = closingLine(result.counts);
      out.write(`${said ? '\n' : ''}${result.ok ? paint.green(closing) : paint.red(closing)}\n`);
    },
  };
}

// What a run did besides failing: leaks, flaky and skipped cases, the slowest tests (left out by `quiet`).
function details(cases: readonly CaseResult[], out: Output): void {
  const leaky = cases.filter((c) => c.leaks?.length);
  if (leaky.length > 0) out.write(`\nLeaked processes (killed after their test):\n${leaky.map((c) => `  ${listed(c)}: ${under(c.leaks!.join('; '))}`).join('\n')}\n`);
  const flaky = cases.filter((c) => c.flaky);
  if (flaky.length > 0) out.write(`\nFlaky (passed only on a retry${flaky[0]!.status === 'failed' ? ', failed by --fail-on-flaky' : ''}):\n${flaky.map(describeFlaky).join('\n')}\n`);
  const skipped = cases.filter((c) => c.status === 'skipped');
  if (skipped.length > 0) out.write(`\nSkipped:\n${skipped.map((c) => `  ${listed(c)}: ${under(c.skipReason ?? '')}`).join('\n')}\n`);
  const slowest = cases.filter((c) => c.status !== 'skipped' && c.id !== 'file' && c.config === undefined).sort((a, b) => b.durationMs - a.durationMs).slice(0, SLOWEST);
  if (slowest.length > 0) out.write(`\nSlowest:\n${slowest.map((c) => `  ${Math.round(c.durationMs)} ms  ${listed(c)}`).join('\n')}\n`);
}
