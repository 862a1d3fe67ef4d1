import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy, type FixtureRun } from './helpers.ts';

// Runs the fixture with the CI variable as given (the workers inherit the environment when they start).
async function runWithCi(ci: string | undefined): Promise<FixtureRun> {
  const saved = process.env.CI;
  if (ci === undefined) delete process.env.CI;
  else process.env.CI = ci;
  try {
    return await runFixture('node-test-only');
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
}

test('outside CI, a node:test file with only runs the marked tests and suites and skips the others, saying why', async () => {
  for (const ci of [undefined, 'false']) {
    const run = await runWithCi(ci);
    try {
      assert.deepEqual(run.result.counts, { passed: 2, failed: 0, skipped: 2, total: 4 }, run.text);
      assert.match(run.find('plain fails').skipReason!, /not marked `only`/);
    } finally {
      removeCopy(run.root);
    }
  }
});

test('in CI, only is refused: every test runs, and the file fails naming the tests marked only (a committed only never makes a green run that checked less)', async () => {
  const run = await runWithCi('true');
  try {
    assert.equal(run.result.ok, false, run.text);
    assert.deepEqual(run.result.counts, { passed: 3, failed: 2, skipped: 0, total: 5 }, run.text);
    assert.equal(run.find('plain fails').status, 'failed');
    assert.equal(run.find('plain passes').status, 'passed');
    const refused = run.result.files[0]!.cases.find((c) => c.name === 'only in CI')!;
    assert.equal(refused?.status, 'failed', run.text);
    assert.match(refused.failure!.text, /marks "marked", "focused" with only, .*CI is set.*remove the only/);
    assert.match(run.text, /3 passed, 2 failed\n?$/);
  } finally {
    removeCopy(run.root);
  }
});
