import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, removeCopy, fixtureCopy } from './helpers.ts';

// --rerun-failed after a failed configuration function runs again what it set up or cleaned up (a group's cases), not the
// whole file: the cases that passed beside it stay out, as a CI user rerunning failures expects.
const root = fixtureCopy('config-rerun');
after(() => removeCopy(root));
const first = await runFixture('config-rerun', {}, root);
const again = await runFixture('config-rerun', { rerunFailed: true }, root);

const names = (r: typeof first, file: string): string[] => r.result.files.find((f) => f.file.endsWith(file))!.cases.map((c) => c.path.join(' > '));

test('the first run fails on the failed initPerGroup and the failed endPerGroup, one failed case each', () => {
  assert.deepEqual(first.result.counts, { passed: 5, failed: 2, skipped: 2, total: 9 });
  const store = JSON.parse(readFileSync(join(root, '_build', 'test', 'failed.json'), 'utf8')) as Record<string, string[]>;
  assert.deepEqual(store, { 'test/ends.suite.ts': ['ends > db > inDb1', 'ends > db > inDb2'], 'test/groups.suite.ts': ['groups > bad > inBad1', 'groups > bad > inBad2'] });
});

test('--rerun-failed runs only the group whose initPerGroup failed, and the group whose endPerGroup failed', () => {
  assert.deepEqual(names(again, 'groups.suite.ts'), ['groups > bad > initPerGroup(bad) failed', 'groups > bad > inBad1', 'groups > bad > inBad2']);
  assert.deepEqual(names(again, 'ends.suite.ts'), ['ends > db > inDb1', 'ends > db > inDb2', 'ends > db > endPerGroup(db) failed']);
  assert.equal(again.text.trimEnd().split('\n').at(-1), '2 passed, 2 failed, 2 skipped');
});
