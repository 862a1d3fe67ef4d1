import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('suite-require');
after(() => removeCopy(run.root));

test('a suite missing its required config is skipped whole before initPerSuite runs, even when all() names a case it does not export', () => {
  assert.equal(existsSync(join(run.root, 'init-ran')), false, 'initPerSuite ran');
  assert.deepEqual(run.result.files[0]!.cases.map((c) => [c.path.slice(1).join(' > '), c.status, c.skipReason]), [
    ['present', 'skipped', 'required config missing: dbUrl'],
    ['notExported', 'skipped', 'required config missing: dbUrl'],
    ['nowhere', 'skipped', 'required config missing: dbUrl'],
    ['propAnything', 'skipped', 'required config missing: dbUrl'],
  ]);
  assert.deepEqual(run.result.counts, { passed: 0, failed: 0, skipped: 4, total: 4 });
  assert.deepEqual(run.result.files[0]!.warnings, []);
  // Common Test auto-skips such a suite, and ct_run fails the run on auto-skipped cases: so does this runner, and says why.
  assert.equal(run.result.ok, false);
  assert.deepEqual(run.result.files[0]!.cases.map((c) => c.autoSkipped), [true, true, true, true]);
  assert.deepEqual(run.text.trimEnd().split('\n').slice(-3), ['⚠ 4 test(s) auto-skipped (required config missing: dbUrl): auto-skipped tests fail the run, as in Common Test (--ignore-auto-skips lets them pass)', '', '0 passed, 0 failed, 4 skipped']);
});
