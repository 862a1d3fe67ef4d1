import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toTap, closingLine, type RunResult, type CaseResult } from '@otp-ts/test-runner';

const kase = (name: string, status: CaseResult['status'], extra: Partial<CaseResult> = {}): CaseResult => ({ id: name, file: 'test/a.test.ts', name, path: ['a', name], status, durationMs: 12, ...extra });
const cases = [
  kase('okTest', 'passed'),
  kase('bad # not a directive', 'failed', { failure: { message: 'expected 1\nto be 2', text: 'expected 1\n\u001b[31mto be 2\u001b[0m\n  at x' } }),
  kase('two\nlines', 'skipped', { skipReason: 'later # maybe' }),
  kase('auto', 'skipped', { skipReason: 'initPerSuite failed: Error: down', autoSkipped: true }),
  { id: 'file', file: 'test/a.test.ts', name: 'initPerSuite failed', path: ['test/a.test.ts'], status: 'failed', durationMs: 0, failure: { message: 'initPerSuite failed: down', text: 'initPerSuite failed:\ndown' } } satisfies CaseResult,
];
const result: RunResult = { ok: false, counts: { passed: 1, failed: 2, skipped: 2, total: 5 }, durationMs: 10, files: [{ file: 'test/a.test.ts', durationMs: 10, warnings: [], output: '', cases }] };

test('TAP: a plan, one point per case, skips as # SKIP, failures with a YAML block, and the closing line last', () => {
  const lines = toTap(result).trimEnd().split('\n');
  assert.equal(lines[0], 'TAP version 13');
  assert.equal(lines[1], '1..5');
  assert.equal(lines[2], 'ok 1 - test/a.test.ts › a > okTest');
  assert.equal(lines[3], 'not ok 2 - test/a.test.ts › a > bad \\# not a directive');
  assert.deepEqual(lines.slice(4, 10), ['  ---', '  message: "expected 1\\nto be 2"', '  severity: fail', '  text: |-', '    expected 1', '    to be 2']);
  assert.ok(lines.includes('ok 3 - test/a.test.ts › a > two\\nlines # SKIP later \\# maybe'), lines.join('\n'));
  // An auto-skip fails the run (JUnit has it as an <error>): a TAP consumer reads it as failed, not skipped.
  assert.ok(lines.includes('not ok 4 - test/a.test.ts › a > auto'), lines.join('\n'));
  assert.ok(lines.includes('  message: "auto-skipped: initPerSuite failed: Error: down"'), lines.join('\n'));
  assert.ok(toTap({ ...result, autoSkipsIgnored: true }).includes('ok 4 - test/a.test.ts › a > auto # SKIP initPerSuite failed: Error: down'), 'ignored auto-skips stay skips');
  assert.ok(lines.includes('not ok 5 - test/a.test.ts › initPerSuite failed'));
  assert.equal(lines.at(-1), `# ${closingLine(result.counts)}`);
  assert.equal(lines.filter((l) => /^(not )?ok \d+ /.test(l)).length, 5, 'the plan and the points agree');
  assert.ok(!toTap(result).includes('\u001b'), 'no terminal escape sequence');
});

test('TAP: a node:test todo is a # TODO point, with its reason when it has one; a skip whose reason only mentions todo stays a # SKIP', () => {
  const todos = [kase('t1', 'skipped', { skipReason: 'todo' }), kase('t2', 'skipped', { skipReason: 'todo: write it # soon' }), kase('t3', 'skipped', { skipReason: 'todoist is down' })];
  const run: RunResult = { ok: true, counts: { passed: 0, failed: 0, skipped: 3, total: 3 }, durationMs: 1, files: [{ file: 'test/a.test.ts', durationMs: 1, warnings: [], output: '', cases: todos }] };
  const lines = toTap(run).split('\n');
  assert.ok(lines.includes('ok 1 - test/a.test.ts › a > t1 # TODO'), lines.join('\n'));
  assert.ok(lines.includes('ok 2 - test/a.test.ts › a > t2 # TODO write it \\# soon'), lines.join('\n'));
  assert.ok(lines.includes('ok 3 - test/a.test.ts › a > t3 # SKIP todoist is down'), lines.join('\n'));
});

test('TAP: a run that failed because no test ran has one failing point saying why, an interrupted one bails out', () => {
  const empty: RunResult = { ok: false, counts: { passed: 0, failed: 0, skipped: 0, total: 0 }, durationMs: 1, files: [], noTests: 'no test matches --grep x' };
  assert.equal(toTap(empty), 'TAP version 13\n1..1\n# no test ran: no test matches --grep x\nnot ok 1 - no test ran\n  ---\n  message: "no test matches --grep x"\n  severity: fail\n  ...\n# 0 passed, 0 failed\n');
  // A run whose only cases `only` skipped: every point a skip, yet the run failed, so the TAP fails too.
  const onlySkipped: RunResult = { ok: false, counts: { passed: 0, failed: 0, skipped: 1, total: 1 }, durationMs: 1, files: [{ file: 'test/a.test.ts', durationMs: 1, warnings: [], output: '', cases: [kase('plain', 'skipped', { skipReason: 'not marked `only`' })] }], noTests: '--grep plain selected only tests that `only` skips' };
  assert.match(toTap(onlySkipped), /^1\.\.2\nok 1 - [^\n]*# SKIP[^\n]*\n# no test ran: [^\n]*\nnot ok 2 - no test ran\n/m);
  assert.match(toTap({ ...result, interrupted: 'SIGINT' }), /\n# interrupted by SIGINT\nBail out! interrupted by SIGINT\n# 1 passed, 2 failed, 2 skipped\n$/);
  const passing: RunResult = { ok: true, counts: { passed: 0, failed: 0, skipped: 0, total: 0 }, durationMs: 1, files: [], nothingToRun: '--rerun-failed has nothing to rerun' };
  assert.equal(toTap(passing), 'TAP version 13\n1..0\n# no test ran: --rerun-failed has nothing to rerun\n# 0 passed, 0 failed\n');
});
