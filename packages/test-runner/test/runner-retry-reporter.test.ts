import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { CaseResult, Reporter } from '@otp-ts/test-runner';
import { runFixture, removeCopy, type FixtureRun } from './helpers.ts';

const runs: FixtureRun[] = [];
after(() => runs.forEach((r) => removeCopy(r.root)));

// A reporter that records every onCaseEnd call, as a progress counter or a streaming reporter would see them.
function recorder(): { reporter: Reporter; told: CaseResult[] } {
  const told: CaseResult[] = [];
  return { told, reporter: { onCaseEnd: (c) => void told.push(c) } };
}

const key = (c: CaseResult): string => `${c.file} ${c.path.join(' > ')}`;
const outcome = (c: CaseResult): string => `${key(c)}: ${c.status}${c.flaky ? ' flaky' : ''}`;

for (const [fixture, retry] of [['flaky', 2], ['config-flaky', 1], ['exit-code-retry', 2]] as const) {
  test(`--retry ${retry} on ${fixture}: each case reaches onCaseEnd once, with its final outcome`, async () => {
    const { reporter, told } = recorder();
    const run = await runFixture(fixture, { retry, reporters: ['tty', reporter] });
    runs.push(run);
    const final = run.result.files.flatMap((f) => f.cases);
    assert.deepEqual(told.map(key).filter((k, i, all) => all.indexOf(k) !== i), [], 'no case is told twice');
    assert.deepEqual(told.map(outcome).sort(), final.map(outcome).sort());
    // The tty progress counter counts the same cases as the closing line.
    assert.equal(told.length, run.result.counts.total);
  });
}
