import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('module-exit');
after(() => removeCopy(run.root));

const cases = (file: string) => run.result.files.find((f) => f.file === file)!.cases;

test('process.exit from a timer the module code armed fails the file as its module code\'s doing, never blaming the tests that ran', () => {
  const all = cases('test/during.test.ts');
  const failed = all.filter((c) => c.status === 'failed');
  assert.deepEqual(failed.map((c) => c.name), ['its module code called process.exit']);
  assert.match(failed[0]!.failure!.message, /test\/during\.test\.ts's module code \(not a test[^)]*\) called process\.exit\(0\)/);
  for (const c of all.filter((x) => x.id !== 'file')) {
    assert.notEqual(c.status, 'failed', `${c.name} was blamed: ${c.failure?.text}`);
    if (c.status === 'skipped') assert.match(c.skipReason!, /not run: .*module code/);
  }
  assert.ok(!run.text.includes('process.exit in a test?'), run.text);
});

test('process.exit at a test file\'s top level fails the file, saying it exited while loading', () => {
  const all = cases('test/loading.test.ts');
  assert.deepEqual(all.map((c) => [c.name, c.status]), [['its module code called process.exit', 'failed']]);
  assert.match(all[0]!.failure!.text, /test\/loading\.test\.ts called process\.exit\(3\) while it loaded/);
  assert.equal(run.result.ok, false);
});
