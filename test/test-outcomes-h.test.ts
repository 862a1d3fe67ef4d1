// End to end through the built binary on test/fixtures/outcomes-h, a project whose every outcome is known by
// construction (each fixture file says what its tests must report), run with the flags a CI team combines:
// the counts, the failed names, the exit code and the reports must agree with each other and with the fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
// Files that would break the repository's own type check and lint are written into the copy only.
const dir = tempProject('otp-outcomes-h-', {
  'test/syntax_h.test.ts': 'export function brokenSyntaxHTest(): void {\n  const x = ;\n}\n',
  'test/typed_h.test.ts': "export function typeErrorHTest(): void {\n  const n: number = 'not a number';\n  void n;\n}\n",
}, join(repo, 'test', 'fixtures', 'outcomes-h'));

const otp = (...args: string[]) => {
  rmSync(join(dir, 'flaky-h-marker'), { force: true });
  return spawnSync(process.execPath, [bin, 'test', ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
};
const last = (s: string): string => s.trimEnd().split('\n').at(-1)!;
// A case's failure is headed `file › case`; a file that did not compile or load, by the file alone.
const failures = (s: string): string[] => [...s.matchAll(/^✖ (\S+(?: › .+)?)$/gm)].map((m) => m[1]!).sort();
const LONG = `long h ${'x'.repeat(292)}`;

/** Every case that fails in a plain run, as the tty report names it. */
const FAILED = [
  'test/b/same_h.test.ts › same_h > sameHTest',
  'test/basic_h.test.ts › basic_h > deepDiffHTest',
  'test/basic_h.test.ts › basic_h > frozenThrowHTest',
  'test/basic_h.test.ts › basic_h > nullThrowHTest',
  'test/basic_h.test.ts › basic_h > stringThrowHTest',
  'test/basic_h.test.ts › basic_h > undefinedThrowHTest',
  'test/cleanup_h.test.ts › a cleanup failed',
  'test/crash_h.test.ts › crash_h > genServerCallCrashHTest',
  'test/endfail_h.suite.ts › endfail_h > endPerSuite failed',
  'test/crash_h.test.ts › crash_h > linkedCrashHTest',
  'test/exit_h.test.ts › exit_h > exitOneHTest',
  'test/exit_h.test.ts › exit_h > exitZeroHTest',
  'test/flaky_h.test.ts › flaky_h > alwaysHTest',
  'test/flaky_h.test.ts › flaky_h > flakyHTest',
  'test/groups_h.suite.ts › groups_h > endGroupH > endPerGroup(endGroupH) failed',
  'test/groups_h.suite.ts › groups_h > seqH > s1H',
  'test/initfail_h.suite.ts › initfail_h > initPerSuite failed',
  'test/late_h.test.ts › late_h > lateRejectHTest',
  'test/lateexit_h.test.ts › lateexit_h > aLateExitHTest',
  'test/late_h.test.ts › late_h > lateThrowHTest',
  'test/loadthrow_h.test.ts',
  'test/loop_h.test.ts › loop_h > loopHTests > spin h',
  'test/names_h.test.ts › names_h > namesHTests > grüße h',
  `test/names_h.test.ts › names_h > namesHTests > ${LONG}`,
  'test/nodeafter_h.test.ts › a cleanup failed',
  'test/nodestyle_h.test.ts › nodestyle_h > node h > fails h',
  'test/props_h.test.ts › props_h > propShortH',
  'test/syntax_h.test.ts',
  'test/timing_h.test.ts › timing_h > timingHTests > pending h',
  'test/timing_h.test.ts › timing_h > timingHTests > slow h',
].sort();

test('the whole fixture: exact counts and failed names, tty and JUnit agree, and a 300-character case name gets its HTML log page', () => {
  const r = otp('--reporter', 'junit', '--reporter', 'tty');
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, '', 'no crash, no internal error');
  assert.equal(last(r.stdout), '28 passed, 30 failed, 7 skipped', r.stdout);
  assert.deepEqual(failures(r.stdout), FAILED);
  assert.match(r.stdout, /^✖ test\/initfail_h\.suite\.ts \(0 passed, 1 failed, 2 skipped, \d+ ms\)$/m, 'auto-skipped cases fail the run: their file is not marked as passing');
  assert.match(r.stdout, /› timing_h > timingHTests > pending h\n {4}timed out after 300 ms: <0\.\d+\.0> was awaiting something other than a message \(a promise that never settled\?\)/);
  assert.doesNotMatch(r.stdout.slice(r.stdout.indexOf('Failures:')), /^ +at .*[( ]node:/m, "failure stacks leave out Node's own frames");

  const xml = readFileSync(join(dir, '_build', 'test', 'junit.xml'), 'utf8');
  // The 2 cases initfail_h's failed initPerSuite skipped fail the run: JUnit holds them as errors, not as skips, and the init as a failure.
  assert.match(xml, /<testsuites name="otp test" tests="65" failures="30" errors="2" skipped="5"/);
  assert.equal(xml.match(/<testcase /g)?.length, 65);
  assert.equal(xml.match(/<failure /g)?.length, 30);
  assert.equal(xml.match(/<skipped /g)?.length, 5);
  assert.equal(xml.match(/<error [^>]*type="auto_skip"/g)?.length, 2);
  assert.match(xml, /<testcase name="namesHTests &gt; héllo wörld 😀 “q” &lt;x&gt; &amp; &apos;y&apos;" classname="test\.names_h"/);
  assert.match(xml, /<testcase name="sameHTest" classname="test\.a\.same_h"[^>]*\/>/);
  assert.match(xml, /<testcase name="sameHTest" classname="test\.b\.same_h"[^>]*>\n {6}<failure message="Error: the b twin fails"/);

  // The HTML logs (a suite ran): where the run says it wrote them, one page per case, even for names no file system takes as they are.
  const written = /^HTML logs written to (\S+)$/m.exec(r.stdout)?.[1];
  assert.ok(written !== undefined && existsSync(join(dir, written)), `the printed HTML log path exists: ${written}`);
  const names = readFileSync(join(dir, written.replace(/index\.html$/, ''), 'test_names_h.test.ts', 'index.html'), 'utf8');
  const pages = [...names.matchAll(/<a href="([^"]+)">/g)].map((m) => m[1]!).filter((p) => p !== '../index.html');
  assert.equal(pages.length, 5);
  assert.equal(new Set(pages).size, 5, 'größe h and grüße h get pages of their own');
  for (const p of pages) assert.ok(existsSync(join(dir, written.replace(/index\.html$/, ''), 'test_names_h.test.ts', p)), p);
});

test('--shard 1/3, 2/3, 3/3: every case runs in exactly one shard and the totals add up to the whole run', () => {
  const seen: string[] = [];
  const totals = [0, 0, 0];
  for (const i of [1, 2, 3]) {
    const r = otp('--shard', `${i}/3`, '--reporter', 'json', '--reporter', 'tty');
    assert.equal(r.status, 1, r.stderr);
    const json = JSON.parse(readFileSync(join(dir, '_build', 'test', 'results.json'), 'utf8')) as { counts: { passed: number; failed: number; skipped: number }; files: Array<{ file: string; cases: Array<{ path: string[] }> }> };
    const { passed, failed, skipped } = json.counts;
    assert.equal(last(r.stdout), `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    [passed, failed, skipped].forEach((n, k) => (totals[k]! += n));
    for (const f of json.files) for (const c of f.cases) seen.push(`${f.file} › ${c.path.join(' > ')}`);
  }
  assert.deepEqual(totals, [28, 30, 7], seen.join('\n'));
  assert.equal(new Set(seen).size, seen.length, 'no case ran in two shards');
});

test('--retry 2: the flaky test is reported flaky and passes, failing ones still fail, the run still fails', () => {
  const r = otp('--retry', '2', '--reporter', 'junit', '--reporter', 'tty');
  assert.equal(r.status, 1);
  assert.equal(last(r.stdout), '29 passed, 29 failed, 7 skipped', r.stdout);
  assert.deepEqual(failures(r.stdout), FAILED.filter((f) => !f.endsWith('flakyHTest')));
  assert.match(r.stdout, /^ {2}⚠ test\/flaky_h\.test\.ts › flaky_h > flakyHTest: passed on attempt 2 \(first failure: Error: first attempt h fails\)$/m);
  const xml = readFileSync(join(dir, '_build', 'test', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuites name="otp test" tests="65" failures="29" errors="2" skipped="5"/);
  assert.equal(xml.match(/<flakyFailure /g)?.length, 1);
});

test("a failing EUnit setup cleanup and a failing node:test after hook fail the run, as under EUnit and node --test", () => {
  for (const file of ['test/cleanup_h.test.ts', 'test/nodeafter_h.test.ts']) {
    const r = otp(file);
    assert.equal(r.status, 1, `${file}: ${r.stdout}`);
    assert.equal(last(r.stdout), '1 passed, 1 failed');
    assert.deepEqual(failures(r.stdout), [`${file} › a cleanup failed`]);
  }
  assert.match(otp('test/nodeafter_h.test.ts').stdout, /nodeafter_h > after h: cleanup failed: Error: after hook h failed\n {8}at .*test\/nodeafter_h\.test\.ts:6:/, 'an after hook runs even without a before hook');
  // A failed endPerSuite is a failed configuration function, as Common Test reports it: the run fails, the closing line says so.
  const ct = otp('test/endfail_h.suite.ts');
  assert.equal(ct.status, 1);
  assert.equal(last(ct.stdout), '2 passed, 1 failed');
  assert.deepEqual(failures(ct.stdout), ['test/endfail_h.suite.ts › endfail_h > endPerSuite failed']);
  assert.match(ct.stdout, /endPerSuite failed:\n {4}endfail_h: Error: suite h teardown failed/);
});

test('--rerun-failed reruns the cases a failed initPerSuite auto-skipped: they failed the run, so a rerun never passes without them', () => {
  rmSync(join(dir, '_build', 'test', 'failed.json'), { force: true });
  const first = otp('test/initfail_h.suite.ts', 'test/a/same_h.test.ts');
  assert.equal(first.status, 1);
  assert.equal(last(first.stdout), '1 passed, 1 failed, 2 skipped');
  for (const extra of [[], ['--pass-with-no-tests']]) {
    const rerun = otp('--rerun-failed', ...extra);
    assert.equal(rerun.status, 1, rerun.stdout + rerun.stderr);
    assert.equal(rerun.stderr, '');
    assert.equal(last(rerun.stdout), '0 passed, 1 failed, 2 skipped');
    assert.match(rerun.stdout, /^ {2}test\/initfail_h\.suite\.ts › initfail_h > oneH: initPerSuite failed: Error: suite h cannot start$/m);
  }
});

test('process.exit from a timer a test left fails that test, not the one running when the worker ends; --retry does not turn it into a flaky pass', () => {
  for (const extra of [[], ['--retry', '1']]) {
    const r = otp('test/lateexit_h.test.ts', ...extra);
    assert.equal(r.status, 1, r.stdout);
    assert.deepEqual(failures(r.stdout), ['test/lateexit_h.test.ts › lateexit_h > aLateExitHTest']);
    assert.match(r.stdout, /^ {4}after the test returned, it called process\.exit\(0\), which ended its worker$/m);
    assert.doesNotMatch(r.stdout, /Flaky/);
    assert.equal(last(r.stdout), '2 passed, 1 failed');
  }
});

test('--retry checks a failed property\'s counterexample again: a bug fast-check found is not passed as flaky because a fresh seed missed it', () => {
  // Fails on the first value it ever sees (kept in a marker file), and afterwards only on that value: a fresh seed
  // almost never draws it again, the same seed always does.
  const marker = join(dir, 'prop-h-marker');
  const file = join(dir, 'test', 'seenonce_h.test.ts');
  writeFileSync(file, `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';

export const propSeenOnceH = fc.property(fc.noBias(fc.integer({ min: 0, max: 2 ** 31 - 1 })), (n) => {
  if (!existsSync(${JSON.stringify(marker)})) writeFileSync(${JSON.stringify(marker)}, String(n));
  return n !== Number(readFileSync(${JSON.stringify(marker)}, 'utf8'));
});
`);
  try {
    for (let i = 0; i < 3; i++) {
      rmSync(marker, { force: true });
      rmSync(join(dir, '_build', 'test', 'counterexamples.json'), { force: true });
      const r = otp('test/seenonce_h.test.ts', '--retry', '2');
      assert.equal(r.status, 1, r.stdout);
      assert.doesNotMatch(r.stdout, /Flaky/);
      assert.equal(last(r.stdout), '0 passed, 1 failed');
    }
  } finally {
    rmSync(file, { force: true });
    rmSync(marker, { force: true });
  }
});
