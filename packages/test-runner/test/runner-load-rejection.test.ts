import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

// A rejection while a file still loads (a top-level await, then `void Promise.reject(...)`) is neither "after the
// last test" nor a crashed worker: it is an error outside any test while that file loaded, and the run fails.
const run = await runFixture('load-rejection');
after(() => removeCopy(run.root));

for (const [file, message] of [['test/eunit_load.test.ts', 'rejected while eunit_load loaded'], ['test/node_load.test.ts', 'rejected while node_load loaded']] as const) {
  test(`${file}: a rejection while loading is reported as the loading's, naming the file`, () => {
    const f = run.result.files.find((x) => x.file === file)!;
    const stray = f.cases.find((c) => c.id === 'file');
    assert.ok(stray, `no failure of ${file} as a whole: ${JSON.stringify(f.cases.map((c) => [c.name, c.status]))}`);
    assert.equal(stray.status, 'failed');
    assert.equal(stray.name, `unhandled error outside any test while ${file} loaded`);
    assert.match(stray.failure!.text, new RegExp(`unhandled rejection: Error: ${message}`));
    assert.ok(f.cases.some((c) => c.status === 'passed'), 'its test still ran and passed');
  });
}

test('the run fails', () => {
  assert.equal(run.result.counts.failed, 2);
  assert.equal(run.result.ok, false);
});
