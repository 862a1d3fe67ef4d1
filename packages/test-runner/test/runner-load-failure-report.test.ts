import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCopy, runFixture, removeCopy } from './helpers.ts';

// A file that does not compile or does not load fails as a whole: one failure headed by the file alone (not
// `file › file`), its text saying why, and no warning repeating that text.
// The file that does not compile is written here, so the repository's type check never reads it.
const root = fixtureCopy('load-failures');
writeFileSync(join(root, 'test', 'bad_syntax.test.ts'), 'export function aTest() { const y: number = ; }\n');
const run = await runFixture('load-failures', { reporters: ['tty'] }, root);
after(() => removeCopy(run.root));

for (const [file, why] of [['test/bad_syntax.test.ts', 'could not be compiled'], ['test/throws_on_load.test.ts', 'could not be loaded']] as const) {
  test(`${file}: its failure is headed by the file once, and said once`, () => {
    assert.ok(run.text.includes(`✖ ${file}\n    ${file} ${why}`), run.text);
    assert.ok(!run.text.includes(`${file} › ${file}`), run.text);
    assert.equal(run.text.split(`${file} ${why}`).length - 1, 1, `said more than once:\n${run.text}`);
    const f = run.result.files.find((x) => x.file === file)!;
    assert.deepEqual(f.warnings, []);
    assert.equal(f.cases.length, 1);
    assert.equal(f.cases[0]!.status, 'failed');
  });
}

test('the other file still runs and passes', () => {
  assert.equal(run.result.counts.passed, 1);
  assert.equal(run.result.counts.failed, 2);
});
