import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';
import { BoundedOutput, OUTPUT_KEEP_CHARS } from '../src/run/bounded-output.ts';

test('BoundedOutput keeps the first and last characters and says how many it left out between', () => {
  const out = new BoundedOutput(10);
  assert.equal(out.empty, true);
  for (const chunk of ['0123456789ab', 'cdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJ', 'KLMNOPQRST']) out.add(chunk);
  assert.equal(out.empty, false);
  assert.match(out.text(), /^0123456789\n\[… 36 characters of output left out here: .*\]\nKLMNOPQRST$/);
  const small = new BoundedOutput(10);
  small.add('short');
  small.add(' text');
  assert.equal(small.text(), 'short text');
});

test('a test that floods stdout: the run still reports the failure, and keeps the output bounded, its start and its end, in every reporter', async () => {
  const run = await runFixture('big-output', { reporters: ['tty', 'json', 'junit'] });
  try {
    assert.deepEqual(run.result.counts, { passed: 1, failed: 1, skipped: 0, total: 2 });
    const file = run.result.files[0]!;
    assert.ok(file.output.length < 2 * OUTPUT_KEEP_CHARS + 1000, `the file's output holds ${file.output.length} characters`);
    assert.match(file.output, /^line 0 x+\n/);
    assert.match(file.output, /line 29999 x+\n$/);
    assert.match(file.output, /\[… \d+ characters of output left out here/);
    const flood = run.find('floodTest').output!;
    assert.ok(flood.length < 2 * OUTPUT_KEEP_CHARS + 1000, `the case's log holds ${flood.length} characters`);
    assert.match(flood, /line 29999 x+\n$/);
    assert.match(run.text, /Error: a real failure after the flood[\s\S]*1 passed, 1 failed\n?$/);
  } finally {
    removeCopy(run.root);
  }
});
