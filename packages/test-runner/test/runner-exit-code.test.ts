import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('exit-code');
after(() => removeCopy(run.root));

test('a file that ends with a non-zero process.exitCode fails with one more failed case naming the code, as node --test fails it', () => {
  const failed = run.result.files.flatMap((f) => f.cases.filter((c) => c.status === 'failed').map((c) => ({ file: f.file, c })));
  assert.deepEqual(failed.map((x) => `${x.file}: ${x.c.name}`).sort(), ['test/node.test.ts: process.exitCode was set', 'test/sets.test.ts: process.exitCode was set']);
  assert.match(failed.find((x) => x.file === 'test/sets.test.ts')!.c.failure!.message, /process\.exitCode 1 \(first seen after sets > aSetsTest ended\)/);
  assert.match(failed.find((x) => x.file === 'test/node.test.ts')!.c.failure!.message, /process\.exitCode 3/);
  assert.equal(run.result.ok, false);
  assert.deepEqual(run.result.counts, { passed: 5, failed: 2, skipped: 0, total: 7 });
});
