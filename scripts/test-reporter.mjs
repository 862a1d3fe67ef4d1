// node:test reporter: one line per test, failures in full, and the totals written for scripts/test.mjs.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { inspect } from 'node:util';

const tty = process.stdout.isTTY;
const paint = (code, s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);

export default async function* reporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    const isSuite = data.details?.type === 'suite';
    const file = data.file ? relative(process.cwd(), data.file) : '';
    const indent = '  '.repeat(data.nesting ?? 0);
    const ms = data.details?.duration_ms === undefined ? '' : paint(90, ` (${Math.round(data.details.duration_ms)} ms)`);
    if (data.skip || data.todo) {
      if (!isSuite) skipped++;
      yield `${indent}${paint(33, '-')} ${data.name} ${paint(33, `# skipped${typeof data.skip === 'string' ? `: ${data.skip}` : ''}`)}\n`;
      continue;
    }
    if (event.type === 'test:pass') {
      if (!isSuite) passed++;
      yield `${indent}${paint(32, '✔')} ${data.name}${ms}\n`;
    } else {
      const error = data.details?.error;
      // A failing suite is counted through its failing tests, unless the failure is its own (a hook, a load error).
      const own = !isSuite || (error && error.failureType !== 'subtestsFailed');
      if (own) failed++;
      if (own) failures.push({ name: data.name, file, error });
      yield `${indent}${paint(31, '✖')} ${data.name}${ms}\n`;
    }
  }
  for (const f of failures) {
    const cause = f.error?.cause ?? f.error;
    yield `\n${paint(31, 'FAIL')} ${f.file} › ${f.name}\n${inspect(cause, { depth: 6, colors: tty })}\n`;
  }
  if (process.env.OTP_TEST_SUMMARY) writeFileSync(process.env.OTP_TEST_SUMMARY, JSON.stringify({ passed, failed, skipped }));
  else yield `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}

/** An @otp-ts/test-runner reporter printing the same lines: each file's cases in order once it ends, then failures in full. */
export function runnerReporter(write = (text) => process.stdout.write(text)) {
  const failures = [];
  return {
    onFileEnd(result) {
      write(`${paint(90, `▷ ${result.file}`)}\n`);
      let groups = [];
      for (const c of result.cases) {
        write(groupLines(groups, c.path.slice(1, -1)));
        groups = c.path.slice(1, -1);
        write(`${caseLine(c)}\n`);
      }
      for (const w of result.warnings) write(`  ${paint(33, 'warning')} ${w}\n`);
      failures.push(...result.cases.filter((c) => c.status === 'failed'));
    },
    onRunEnd() {
      for (const c of failures) write(`\n${paint(31, 'FAIL')} ${c.file} › ${c.path.slice(1).join(' > ')}\n${c.failure?.text ?? ''}\n${c.output ? `output:\n${c.output}\n` : ''}`);
    },
  };
}

// The describe names a case enters that the case before it was not in, one line each, as node:test shows suites.
function groupLines(previous, groups) {
  const same = groups.findIndex((g, i) => previous[i] !== g);
  if (same === -1) return '';
  return groups.slice(same).map((g, i) => `${'  '.repeat(same + i)}${paint(90, '▷')} ${g}\n`).join('');
}

// A runner case as a node:test line: the path below the file is the name, its depth the indent.
function caseLine(c) {
  const indent = '  '.repeat(Math.max(0, c.path.length - 2));
  const name = c.path[c.path.length - 1];
  if (c.status === 'skipped') return `${indent}${paint(33, '-')} ${name} ${paint(33, `# skipped: ${c.skipReason}`)}`;
  const ms = paint(90, ` (${Math.round(c.durationMs)} ms)`);
  return `${indent}${c.status === 'passed' ? paint(32, '✔') : paint(31, '✖')} ${name}${ms}`;
}
