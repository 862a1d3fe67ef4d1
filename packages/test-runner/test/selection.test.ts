import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestNames, emptyButPassing, filterPlan, mayHoldSelection, mergeFailed, noTestsReason, planCases, planFile, type CaseResult, type FileResult } from '@otp-ts/test-runner';

const file = (name: string, failed: string[], passed: string[] = []): FileResult => ({
  file: name,
  cases: [...failed.map((n) => ({ n, status: 'failed' as const })), ...passed.map((n) => ({ n, status: 'passed' as const }))].map(({ n, status }): CaseResult => ({ id: n, file: name, name: n.split(' > ').at(-1)!, path: n.split(' > '), status, durationMs: 0 })),
  durationMs: 0,
  warnings: [],
  output: '',
});

test('a partial run keeps the stored failures it did not reach and replaces those of the cases it ran', () => {
  const old = { 'a.test.ts': ['a > x', 'a > y'], 'b.test.ts': ['b > z'] };
  assert.deepEqual(mergeFailed(old, [file('a.test.ts', ['a > y'], ['a > x'])]), { 'a.test.ts': ['a > y'], 'b.test.ts': ['b > z'] });
  assert.deepEqual(mergeFailed(old, [file('b.test.ts', [], ['b > z'])]), { 'a.test.ts': ['a > x', 'a > y'] });
});

test('a plan is narrowed by full names, which do not move when a test is added above', () => {
  const exports = { newTest: () => {}, addTest: () => {}, cartTests: () => [['totals', () => {}], ['empty', () => {}]] };
  const plan = filterPlan(planFile('cart.test.ts', exports, { exportOrder: Object.keys(exports) }), { names: ['cart > cartTests > totals', 'cart > addTest'] });
  assert.deepEqual(planCases(plan.root).map((c) => c.path.join(' > ')), ['cart > addTest', 'cart > cartTests > totals']);
});

test('a filtered run keeps a file only when its module or source can hold the selection', () => {
  const source = "export function addTest() {}\nexport const cartTests = () => [['totals', () => {}]];\n";
  assert.equal(mayHoldSelection('test/cart.test.ts', source, { case: ['totals'] }), true);
  assert.equal(mayHoldSelection('test/cart.test.ts', source, { case: ['refunds'] }), false);
  assert.equal(mayHoldSelection('test/cart.test.ts', source, { suite: ['shop'] }), false);
  assert.equal(mayHoldSelection('test/cart.test.ts', source, { case: ['#2'] }), true, 'positions are never spelled in the source');
  assert.equal(mayHoldSelection('test/gen.test.ts', 'export const genTests = () => [1, 2].map((i) => [`case ${i}`, () => {}]);', { case: ['case 2'] }), true, 'labels built at run time may be anything');
  assert.equal(mayHoldSelection('test/log.test.ts', 'export function logTest() { console.log(`at ${Date.now()}`); }', { case: ['other'] }), false);
});

test('an empty selection names the filter that matched nothing and the names a typo away', () => {
  const candidates = ['cart > addTest', 'cart > cartTests > totals', 'shop > checkout > pays'];
  assert.equal(noTestsReason({ discovered: 2, filter: { case: ['addTset'] }, candidates }), '--case addTset matched no test; closest: addTest');
  assert.equal(noTestsReason({ discovered: 2, filter: { group: ['chekout'] }, candidates }), '--group chekout matched no test; closest: checkout');
  assert.equal(noTestsReason({ discovered: 2, filter: { suite: ['cart'], case: ['pays'] }, candidates }), '--suite and --case match no test together');
  assert.equal(noTestsReason({ paths: ['empty'], discovered: 0, filter: {}, candidates: [] }), 'empty holds no test file (*.test.ts or *.suite.ts) (--pass-with-no-tests allows an empty run)');
  assert.match(noTestsReason({ discovered: 2, rerunFailed: { stored: 0, kept: false }, filter: {}, candidates }), /^--rerun-failed selected no test: no earlier run stored its failures/);
  assert.equal(emptyButPassing({ discovered: 2, rerunFailed: { stored: 0, kept: false }, filter: {}, candidates }), undefined, 'a rerun with no earlier run fails');
  assert.equal(emptyButPassing({ discovered: 2, rerunFailed: { stored: 0, kept: true }, filter: {}, candidates }), '--rerun-failed has nothing to rerun: the last run stored no failure');
  assert.equal(emptyButPassing({ discovered: 1, shard: { shard: { index: 2, count: 2 }, files: 0 }, filter: {}, candidates }), '--shard 2/2 holds no test file: the only test file is in another shard');
  assert.equal(emptyButPassing({ discovered: 0, shard: { shard: { index: 2, count: 2 }, files: 0 }, filter: {}, candidates }), undefined, 'a project without tests fails, sharded or not');
  // A filter whose tests are all in other shards' files leaves this shard empty as a valid split does: it passes, saying so.
  assert.equal(emptyButPassing({ discovered: 3, shard: { shard: { index: 1, count: 3 }, files: 1 }, filter: { case: ['pays'] }, candidates }), "--case pays selects no test in --shard 1/3: the 1 test(s) it selects are in other shards' files");
  assert.equal(emptyButPassing({ discovered: 3, shard: { shard: { index: 1, count: 3 }, files: 1 }, filter: { case: ['payz'] }, candidates }), undefined, 'a filter matching nothing in any shard fails');
  assert.equal(noTestsReason({ discovered: 3, shard: { shard: { index: 1, count: 3 }, files: 1 }, filter: { case: ['payz'] }, candidates }), '--case payz matched no test; closest: pays');
  assert.deepEqual(closestNames('zzzzzz', ['a', 'b', 'c', 'd']), ['a', 'b', 'c'], 'with nothing near, the nearest three');
});

test('the closest names of an empty selection are shown escaped: a name with a newline or a terminal escape keeps the reason one line that paints nothing', () => {
  const reason = noTestsReason({ discovered: 1, filter: { grep: /^$/ }, candidates: ['names > line1\nline2', 'names > \u001b[31mred\u001b[0m'] });
  assert.equal(reason, '--grep ^$ matched no test; closest: names > line1\\nline2, names > \\u001b[31mred\\u001b[0m');
});
