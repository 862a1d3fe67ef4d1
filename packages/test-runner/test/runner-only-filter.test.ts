// Filters that select only tests `only` then skips leave a run that checked nothing: it fails, as a filter matching
// nothing does, and every report says which filter and which file's `only` left nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOptions } from '@otp-ts/test-runner';
import { fixtureCopy, runFixture, removeCopy, type FixtureRun } from './helpers.ts';

const roots: string[] = [];
after(() => roots.forEach(removeCopy));

// Runs the node-test-only fixture (one test and one suite marked only, two tests not) with CI as given.
async function run(options: RunOptions, ci: string | undefined, root = fixtureCopy('node-test-only')): Promise<FixtureRun> {
  roots.push(root);
  const saved = process.env.CI;
  if (ci === undefined) delete process.env.CI;
  else process.env.CI = ci;
  try {
    return await runFixture('node-test-only', options, root);
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
}

test('--grep selecting only tests only skips fails, naming the filter and the file in tty, JSON and JUnit', async () => {
  const r = await run({ grep: 'plain', reporters: ['tty', 'json', 'junit'] }, undefined);
  assert.equal(r.result.ok, false, r.text);
  assert.deepEqual(r.result.counts, { passed: 0, failed: 0, skipped: 2, total: 2 }, r.text);
  assert.match(r.text, /⚠ no test ran: --grep plain selected only tests that `only` skips \(test\/only\.test\.ts: only > plain passes, only > plain fails; test\/only\.test\.ts marks other tests `only`\)/, r.text);
  // The file ran nothing: its line is no ✔.
  assert.match(r.text, /^- test\/only\.test\.ts \(0 passed, 2 skipped, \d+ ms\)$/m, r.text);
  assert.doesNotMatch(r.text, /✔/, r.text);
  const json = JSON.parse(readFileSync(join(r.root, '_build', 'test', 'results.json'), 'utf8')) as { ok: boolean; noTests?: string };
  assert.equal(json.ok, false);
  assert.match(json.noTests ?? '', /^--grep plain selected only tests that `only` skips/);
  const xml = readFileSync(join(r.root, '_build', 'test', 'junit.xml'), 'utf8');
  assert.match(xml, /<testcase name="no test ran"[^>]*>\s*<failure message="--grep plain selected only tests that `only` skips/, xml);
  assert.match(xml, /<testsuites [^>]*failures="1"/, xml);
});

test('a filter that selects a test only keeps still passes', async () => {
  const r = await run({ grep: 'marked', reporters: ['tty', 'junit'] }, undefined);
  assert.equal(r.result.ok, true, r.text);
  assert.equal(r.result.noTests, undefined);
  assert.doesNotMatch(readFileSync(join(r.root, '_build', 'test', 'junit.xml'), 'utf8'), /no test ran/);
});

test('--rerun-failed whose stored failures only skips fails, naming --rerun-failed and the file', async () => {
  const root = fixtureCopy('node-test-only');
  // A stored failure of a test not marked only (a CI run, where only is refused, stores such failures).
  mkdirSync(join(root, '_build', 'test'), { recursive: true });
  writeFileSync(join(root, '_build', 'test', 'failed.json'), JSON.stringify({ 'test/only.test.ts': ['only > plain fails'] }));
  const r = await run({ rerunFailed: true }, undefined, root);
  assert.equal(r.result.ok, false, r.text);
  assert.equal(r.result.counts.passed + r.result.counts.failed, 0, r.text);
  assert.match(r.text, /⚠ no test ran: --rerun-failed selected only tests that `only` skips \(test\/only\.test\.ts/, r.text);
});
