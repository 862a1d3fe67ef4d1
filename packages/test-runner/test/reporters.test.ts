import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJunitXml, toJson, closingLine, ttyReporter, htmlLogPages, type RunResult, type CaseResult, type Reporter } from '@otp-ts/test-runner';
import { runFixture, removeCopy } from './helpers.ts';
import { printable } from '../src/report/text.ts';

const kase = (name: string, status: CaseResult['status'], extra: Partial<CaseResult> = {}): CaseResult => ({ id: name, file: 'test/a.test.ts', name, path: ['a', name], status, durationMs: 12, ...extra });
const result: RunResult = {
  ok: false,
  counts: { passed: 1, failed: 1, skipped: 1, total: 3 },
  durationMs: 1500,
  files: [{
    file: 'test/a.test.ts', durationMs: 40, warnings: ['end failed'], output: 'hello <world>\u001b[31m\n',
    cases: [kase('okTest', 'passed'), kase('badTest', 'failed', { failure: { message: 'expected "1" & <2>', text: '- 1\n+ 2' } }), kase('skipTest', 'skipped', { skipReason: 'later' })],
  }],
};

test('the closing line adds the skipped count only when some were skipped', () => {
  assert.equal(closingLine({ passed: 3, failed: 0, skipped: 0, total: 3 }), '3 passed, 0 failed');
  assert.equal(closingLine({ passed: 1, failed: 1, skipped: 1, total: 3 }), '1 passed, 1 failed, 1 skipped');
});

test('JUnit XML: one testsuite per file with counts, a failure element with escaped text, skipped, system-out', () => {
  const xml = toJunitXml(result);
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="otp test" tests="3" failures="1" errors="0" skipped="1" time="1.500">/);
  assert.match(xml, /<testsuite name="test\/a.test.ts" tests="3" failures="1" errors="0" skipped="1" time="0.040">/);
  assert.match(xml, /<testcase name="okTest" classname="test.a" time="0.012"\/>/);
  assert.match(xml, /<failure message="expected &quot;1&quot; &amp; &lt;2&gt;" type="failure">- 1\n\+ 2<\/failure>/);
  assert.match(xml, /<skipped message="later"\/>/);
  assert.match(xml, /<system-out>hello &lt;world&gt;\n<\/system-out>/, 'a colour sequence is left out whole, not as a stray [31m');
  assert.ok(!xml.includes('\u001b'), 'no escape character in the XML');
  const binary = toJunitXml({ ...result, files: [{ ...result.files[0]!, output: 'bytes \uFFFE\uFFFF end' }] });
  assert.match(binary, /<system-out>bytes {2}end<\/system-out>/, 'U+FFFE and U+FFFF are not XML characters: left out');
  assert.equal((xml.match(/<testcase /g) ?? []).length, 3);
});

test('JSON: counts and every case round-trip', () => {
  const parsed = JSON.parse(toJson(result));
  assert.deepEqual(parsed.counts, result.counts);
  assert.equal(parsed.files[0].cases[1].failure.text, '- 1\n+ 2');
});

test('the tty reporter prints plain lines when not on a TTY: file lines, failures, skips, slowest, closing line', () => {
  let text = '';
  const r = ttyReporter({ write: (s: string) => (text += s), isTTY: false });
  r.onRunStart?.({ root: '/', files: ['test/a.test.ts'], shuffleSeed: 5 });
  for (const c of result.files[0]!.cases) r.onCaseEnd?.(c);
  r.onFileEnd?.(result.files[0]!);
  r.onRunEnd?.(result);
  assert.doesNotMatch(text, /\r/);
  assert.match(text, /✖ test\/a.test.ts \(1 passed, 1 failed, 1 skipped, 40 ms\)/);
  assert.match(text, /Failures:\n\n✖ test\/a.test.ts › a > badTest\n {4}- 1\n {4}\+ 2/);
  assert.match(text, /⚠ test\/a.test.ts: end failed/);
  assert.equal(text.trimEnd().split('\n').at(-1), '1 passed, 1 failed, 1 skipped');
});

test('the tty reporter does not mark a file an interruption cut short as passing', () => {
  let text = '';
  const r = ttyReporter({ write: (s: string) => (text += s), isTTY: false });
  const cut = kase('spinTest', 'skipped', { skipReason: 'interrupted while it ran (SIGTERM)', interrupted: true });
  r.onFileEnd?.({ file: 'test/a.test.ts', durationMs: 40, warnings: [], output: '', cases: [kase('okTest', 'passed'), cut] });
  assert.match(text, /^✖ test\/a.test.ts \(1 passed, 1 skipped, 40 ms\)$/m);
});

const events: string[] = [];
const recorder: Reporter = {
  onRunStart: (info) => void events.push(`start ${info.files.length}`),
  onFileStart: (f) => void events.push(`file ${f}`),
  onCaseEnd: (c) => void events.push(`case ${c.name} ${c.status}`),
  onFileEnd: (f) => void events.push(`end ${f.file} ${f.cases.length}`),
  onRunEnd: (r) => void events.push(`done ${r.counts.total}`),
};
const run = await runFixture('crash', { reporters: [recorder, 'json', 'junit'], paths: ['test/exit.test.ts'] });
after(() => removeCopy(run.root));

test('reporter hooks are called in order; json and junit reporters write under _build/test/', () => {
  assert.deepEqual(events, ['start 1', 'file test/exit.test.ts', 'case aBeforeTest passed', 'case bExitTest failed', 'case cAfterTest passed', 'end test/exit.test.ts 3', 'done 3']);
  const json = JSON.parse(readFileSync(join(run.root, '_build', 'test', 'results.json'), 'utf8'));
  assert.deepEqual(json.counts, { passed: 2, failed: 1, skipped: 0, total: 3 });
  const xml = readFileSync(join(run.root, '_build', 'test', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuites name="otp test" tests="3" failures="1"/);
});

test('the quiet tty reporter prints errors only: failures, a failing file\'s output and warnings, and the closing line', () => {
  let text = '';
  const r = ttyReporter({ write: (s: string) => (text += s), isTTY: true }, { quiet: true });
  r.onRunStart?.({ root: '/', files: ['test/a.test.ts'], shuffleSeed: 5 });
  for (const c of result.files[0]!.cases) r.onCaseEnd?.(c);
  r.onFileEnd?.(result.files[0]!);
  r.onRunEnd?.(result);
  text = text.split(String.fromCharCode(27)).map((part, i) => (i === 0 ? part : part.replace(/^\[\d+m/, ''))).join('');
  assert.match(text, /^\nFailures:\n\n✖ test\/a.test.ts › a > badTest\n {4}- 1\n {4}\+ 2/);
  assert.match(text, /Output of test\/a.test.ts:/);
  assert.match(text, /⚠ test\/a.test.ts: end failed/);
  assert.doesNotMatch(text, /running 1 test file|\(1 passed|test\(s\) run|Skipped:|Slowest:/);
  assert.equal(text.trimEnd().split('\n').at(-1), '1 passed, 1 failed, 1 skipped');
  let passing = '';
  const p = ttyReporter({ write: (s: string) => (passing += s), isTTY: false }, { quiet: true });
  p.onRunEnd?.({ ok: true, counts: { passed: 1, failed: 0, skipped: 0, total: 1 }, durationMs: 1, files: [{ ...result.files[0]!, warnings: ['a leak'], cases: [kase('okTest', 'passed')] }] });
  assert.equal(passing, '1 passed, 0 failed\n', 'nothing above the closing line, not even a blank line');
});

test('a case skipped because an init failed is an error in JUnit, as it fails the run: a CI that reads the report shows it red', () => {
  const auto = kase('inBad', 'skipped', { skipReason: 'initPerSuite failed: Error: no db', autoSkipped: true });
  const cases = [kase('okTest', 'passed'), kase('skipTest', 'skipped', { skipReason: 'later' }), auto];
  const counts = { passed: 1, failed: 0, skipped: 2, total: 3 };
  const xml = toJunitXml({ ...result, counts, files: [{ ...result.files[0]!, cases }] });
  assert.match(xml, /<testsuites name="otp test" tests="3" failures="0" errors="1" skipped="1"/);
  assert.match(xml, /<testsuite name="test\/a.test.ts" tests="3" failures="0" errors="1" skipped="1"/);
  assert.match(xml, /<testcase name="inBad" classname="test.a" time="0.012">\n {6}<error message="initPerSuite failed: Error: no db" type="auto_skip"\/>/);
});

test('JUnit keeps a test name\'s newline and tab as character references, which an XML parser would turn into spaces', () => {
  const xml = toJunitXml({ ...result, files: [{ ...result.files[0]!, cases: [kase('multi\nline\tname', 'skipped', { path: ['a', 'multi\nline\tname'], skipReason: 'why\nthus' })] }] });
  assert.match(xml, /<testcase name="multi&#10;line&#9;name"/);
  assert.match(xml, /<skipped message="why&#10;thus"\/>/);
});

test('the tty report prints no escape sequence of a test\'s when not on a TTY, and every test name on one line', (t) => {
  // Colour is decided from the environment too: FORCE_COLOR in the shell running this test would turn it on.
  const force = process.env.FORCE_COLOR;
  delete process.env.FORCE_COLOR;
  t.after(() => void (force !== undefined && (process.env.FORCE_COLOR = force)));
  let text = '';
  const r = ttyReporter({ write: (s: string) => (text += s), isTTY: false });
  const painted: RunResult = {
    ok: false,
    counts: { passed: 1, failed: 1, skipped: 1, total: 3 },
    durationMs: 10,
    files: [{
      file: 'test/a.test.ts', durationMs: 4, warnings: ['\u001b[33mslow\u001b[39m'], output: '\u001b[2Jcleared \u001b]0;title\u0007screen\n',
      cases: [
        kase('two\nlines', 'failed', { path: ['a', 'cart', 'two\nlines'], failure: { message: 'red', text: 'Error: \u001b[31mred\u001b[39m boom\r\nnext' } }),
        kase('bell\u0007Test', 'passed'),
        kase('skipTest', 'skipped', { skipReason: '\u001b[1mlater\u001b[22m' }),
      ],
    }],
  };
  r.onRunStart?.({ root: '/', files: ['test/a.test.ts'], shuffleSeed: 5 });
  for (const c of painted.files[0]!.cases) r.onCaseEnd?.(c);
  r.onFileEnd?.(painted.files[0]!);
  r.onRunEnd?.(painted);
  // eslint-disable-next-line no-control-regex
  assert.ok(!/[\u001b\u0007\r]/.test(text), `no escape, bell or carriage return in ${JSON.stringify(text)}`);
  assert.match(text, /✖ test\/a.test.ts › a > cart > two\\nlines\n {4}Error: red boom\n {4}next\n/);
  assert.match(text, /cleared screen/);
  assert.match(text, /⚠ test\/a.test.ts: slow/);
  assert.match(text, /a > skipTest: later\n/);
  assert.match(text, /a > bell\\u0007Test/);
});

test('on a colour terminal a failure keeps its colours, never a sequence that moves the cursor or clears the screen', () => {
  assert.equal(printable('\u001b[31mred\u001b[39m \u001b[2J\u001b[Hx\u001b]8;;http://a\u001b\\link', true), '\u001b[31mred\u001b[39m xlink');
  assert.equal(printable('\u001b[31mred\u001b[39m', false), 'red');
});

test('the HTML logs leave out a test\'s terminal escape sequences, whole: no stray [31m in a case page', () => {
  const painted: RunResult = { ...result, files: [{ ...result.files[0]!, cases: [kase('badTest', 'failed', { failure: { message: 'red', text: 'Error: \u001b[31mred\u001b[39m <boom>' } })] }] };
  const pages = htmlLogPages(painted);
  const page = pages.find((p) => p.html.includes('Error: red &lt;boom&gt;'));
  assert.ok(page, 'the case page shows the failure without its colour sequences');
  assert.ok(pages.every((p) => !p.html.includes('\u001b') && !p.html.includes('[31m')), 'no escape sequence in any page');
});

test('the tty report marks a file that held no test with a warning sign, not a green tick', () => {
  let text = '';
  const r = ttyReporter({ write: (s: string) => (text += s), isTTY: false });
  r.onFileEnd?.({ file: 'test/empty.test.ts', durationMs: 3, warnings: ['test/empty.test.ts holds no test: ...'], output: '', cases: [] });
  r.onFileEnd?.({ file: 'test/filtered.test.ts', durationMs: 3, warnings: [], output: '', cases: [] });
  assert.match(text, /^⚠ test\/empty\.test\.ts \(0 passed, 3 ms\)$/m);
  assert.match(text, /^- test\/filtered\.test\.ts \(no test selected, 3 ms\)$/m, 'a file whose tests a filter left out is no warning, and no pass either');
});
