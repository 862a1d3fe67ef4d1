import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, removeCopy, runLogFolders } from './helpers.ts';

const run = await runFixture('suite', { config: { currency: 'EUR' } });
const missing = await runFixture('suite');
after(() => [run, missing].forEach((r) => removeCopy(r.root)));

test('config flows from initPerSuite, initPerGroup and initPerTestcase into the cases, with a process context', () => {
  assert.equal(run.find('configFlows').status, 'passed', run.find('configFlows').failure?.text);
  assert.equal(run.find('carts > add').status, 'passed', run.find('carts > add').failure?.text);
});

test('skip() records a skipped case with its reason', () => {
  const c = run.find('skipped');
  assert.equal(c.status, 'skipped');
  assert.equal(c.skipReason, 'not on this platform');
});

test('a sequence group skips the cases after its first failure', () => {
  assert.equal(run.find('flaky > breaks').status, 'failed');
  assert.equal(run.find('flaky > afterBreak').status, 'skipped');
  assert.match(run.find('flaky > afterBreak').skipReason!, /earlier case of flaky failed/);
});

test('init and end functions run in order around their groups', () => {
  assert.equal(run.find('order').status, 'passed', run.find('order').failure?.text);
  assert.deepEqual(run.result.counts, { passed: 4, failed: 1, skipped: 2, total: 7 });
  assert.equal(run.text.trimEnd().split('\n').at(-1), '4 passed, 1 failed, 2 skipped');
});

test('a suite whose required config is missing is skipped entirely', () => {
  assert.deepEqual(missing.result.counts, { passed: 0, failed: 0, skipped: 7, total: 7 });
  assert.equal(missing.find('configFlows').skipReason, 'required config missing: currency');
});

test('a suite run writes HTML logs into its own run folder: an index, a page per suite and a page per case', () => {
  const folders = runLogFolders(run.root);
  assert.equal(folders.length, 1);
  const logs = folders[0]!;
  const index = readFileSync(join(logs, 'index.html'), 'utf8');
  assert.match(index, /4 passed, 1 failed, 2 skipped/);
  assert.match(index, /<a href="..\/index.html">all runs<\/a>/);
  assert.match(index, /<a href="test_shop.suite.ts\/index.html">test\/shop.suite.ts<\/a>/);
  const suitePage = readFileSync(join(logs, 'test_shop.suite.ts', 'index.html'), 'utf8');
  assert.equal((suitePage.match(/<tr><td><a /g) ?? []).length, 7);
  const casePage = readFileSync(join(logs, 'test_shop.suite.ts', 'flaky.breaks.html'), 'utf8');
  assert.match(casePage, /<span class="failed">failed<\/span>/);
  assert.match(casePage, /<pre>values are not deeply equal/);
  assert.ok(existsSync(join(logs, 'test_shop.suite.ts', 'carts.add.html')));
});
