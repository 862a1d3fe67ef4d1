import type { CaseResult, FileResult, RunResult } from '../result.js';
import type { Reporter } from './types.js';
import { printable } from './text.js';

// A test's terminal escape sequences and control characters are left out whole (printable, as the tty and HTML reports
// do); U+FFFE and U+FFFF (from binary data printed as text) are not XML characters either, and a CI parser rejects the
// whole file for one.
const escape = (s: string): string =>
  printable(s, false)
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    .replace(/[\uFFFE\uFFFF]/g, '');

// In an attribute a parser turns a newline or tab into a space (XML attribute-value normalization): as character
// references they survive, so a test named over two lines keeps its name in the CI's report.
const attr = (s: string): string => escape(s).replace(/[\n\r\t]/g, (c) => `&#${c.charCodeAt(0)};`);

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function testcase(c: CaseResult, classname: string, ignored: boolean): string {
  const head = `    <testcase name="${attr(c.path.slice(1).join(' > ') || c.name)}" classname="${attr(classname)}" time="${seconds(c.durationMs)}"`;
  if (c.status === 'passed' && !c.flaky) return `${head}/>`;
  // Surefire's flaky outcome: a pass whose failed attempts are listed as flakyFailure (rerunFailure when it never passed).
  const reruns = (c.retries ?? []).map((f) => `\n      <${c.flaky ? 'flakyFailure' : 'rerunFailure'} message="${attr(f.message)}" type="${f.timedOut ? 'timeout' : 'failure'}">${escape(f.text)}</${c.flaky ? 'flakyFailure' : 'rerunFailure'}>`).join('');
  if (c.status === 'passed') return `${head}>${reruns}\n    </testcase>`;
  // A case skipped because an init failed fails the run (as in ct_run): an error, so a CI that reads the report shows it red.
  // Under ignoreAutoSkips it does not fail the run, so the report calls it a skip: a CI reading it agrees with the exit code.
  if (c.status === 'skipped' && c.autoSkipped && !ignored) return `${head}>\n      <error message="${attr(c.skipReason ?? '')}" type="auto_skip"/>\n    </testcase>`;
  if (c.status === 'skipped') return `${head}>\n      <skipped message="${attr(c.skipReason ?? '')}"/>\n    </testcase>`;
  const f = c.failure;
  // The body is the failure's text, then the full stack (with the runner's and the runtime's frames) when the text trimmed it.
  const body = f === undefined ? '' : f.stack === undefined ? f.text : `${f.text}\n\nfull stack:\n${f.stack}`;
  return `${head}>\n      <failure message="${attr(f?.message ?? 'failed')}" type="${c.timedOut ? 'timeout' : 'failure'}">${escape(body)}</failure>${reruns}\n    </testcase>`;
}

function testsuite(f: FileResult, ignored: boolean): string {
  const count = (s: CaseResult['status']): number => f.cases.filter((c) => c.status === s).length;
  const classname = f.file.replace(/\.(test|suite)\.[cm]?[jt]sx?$/, '').replace(/[/\\]/g, '.');
  const auto = ignored ? 0 : f.cases.filter((c) => c.status === 'skipped' && c.autoSkipped).length;
  const attrs = `name="${attr(f.file)}" tests="${f.cases.length}" failures="${count('failed')}" errors="${auto}" skipped="${count('skipped') - auto}" time="${seconds(f.durationMs)}"`;
  const out = f.output ? `\n    <system-out>${escape(f.output)}</system-out>` : '';
  const err = f.warnings.length ? `\n    <system-err>${escape(f.warnings.join('\n'))}</system-err>` : '';
  return `  <testsuite ${attrs}>\n${f.cases.map((c) => testcase(c, classname, ignored)).join('\n')}${out}${err}\n  </testsuite>`;
}

/** The run as surefire-style JUnit XML: one `<testsuite>` per file, one `<testcase>` per case; a case auto-skipped after a failed init is an `<error>`; a run no test ran in (`noTests`) has one failed case saying why. */
export function toJunitXml(result: RunResult): string {
  const { counts } = result;
  const ignored = result.autoSkipsIgnored === true;
  const auto = ignored ? 0 : result.files.flatMap((f) => f.cases).filter((c) => c.status === 'skipped' && c.autoSkipped).length;
  // A run that failed because no test ran has one failed test case saying why: a CI reading only this file shows the run red, as its exit code is.
  const none = result.noTests === undefined ? [] : [`  <testsuite name="otp test" tests="1" failures="1" errors="0" skipped="0" time="0.000">\n    <testcase name="no test ran" classname="otp test" time="0.000">\n      <failure message="${attr(result.noTests)}" type="noTests">${escape(result.noTests)}</failure>\n    </testcase>\n  </testsuite>`];
  const head = `<testsuites name="otp test" tests="${counts.total + none.length}" failures="${counts.failed + none.length}" errors="${auto}" skipped="${counts.skipped - auto}" time="${seconds(result.durationMs)}">`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}\n${[...result.files.map((f) => testsuite(f, ignored)), ...none].join('\n')}\n</testsuites>\n`;
}

/** Writes the run as JUnit XML (see `toJunitXml`) through `write`, e.g. to `_build/test/junit.xml`. */
export function junitReporter(write: (text: string) => void): Reporter {
  return { onRunEnd: (result) => write(toJunitXml(result)) };
}
