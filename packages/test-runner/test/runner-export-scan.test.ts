// Exports a file does not declare in place (`export { a, b }`, `export { a as b }`, `export default`) are seen by the
// source scan as declarations are: they run in the order written, a typo is told their names, another shard knows them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTests, type RunOptions } from '@otp-ts/test-runner';
import { tempProject } from '../../../test/support/files.ts';

const project = (files: Record<string, string>): string => tempProject('otp-export-scan-', files);

async function run(root: string, options: RunOptions = {}): Promise<{ ok: boolean; text: string; order: string[] }> {
  let text = '';
  const result = await runTests({ root, jobs: 1, reporters: ['tty'], output: { write: (s: string) => (text += s) }, ...options });
  return { ok: result.ok, text, order: result.files.flatMap((f) => f.cases.map((c) => c.name)) };
}

const listed = [
  'const order: string[] = [];',
  'function zebraTest() { order.push("zebra"); }',
  'function alphaTest() { order.push("alpha"); }',
  'const local = () => { order.push("renamed"); };',
  'export { zebraTest, /* a comment */ alphaTest,',
  '  local as middleTest };',
  'export default function () {}',
  '',
].join('\n');

test('tests exported by a list run in the order the list names them, a renamed one by its exported name', async () => {
  const root = project({ 'test/listed.test.ts': listed });
  const r = await run(root);
  assert.equal(r.ok, true, r.text);
  assert.deepEqual(r.order, ['zebraTest', 'alphaTest', 'middleTest']);
});

test('a typo in --case is told the closest names among listed and renamed exports of files it did not run', async () => {
  const root = project({ 'test/listed.test.ts': listed, 'test/other.test.ts': 'export function otherTest() {}\n' });
  const r = await run(root, { case: ['middelTest'] });
  assert.equal(r.ok, false);
  assert.match(r.text, /--case middelTest matched no test; closest: middleTest/);
});

test('a --case naming a listed export in another shard passes in every shard, as a declared one does', async () => {
  const files: Record<string, string> = { 'test/listed.test.ts': listed };
  for (const n of ['b', 'c', 'd']) files[`test/${n}.test.ts`] = `export function ${n}Test() {}\n`;
  const root = project(files);
  for (const index of [1, 2]) {
    const r = await run(root, { case: ['middleTest'], shard: { index, count: 2 } });
    assert.equal(r.ok, true, `shard ${index}/2: ${r.text}`);
  }
});

test('a default export is never a case the closest names suggest, in a suite or a test file', async () => {
  const suite = ['export const all = () => ["payTest"];', 'export function payTest() {}', 'export default { all };', ''].join('\n');
  const root = project({ 'test/shop.suite.ts': suite, 'test/listed.test.ts': listed });
  const r = await run(root, { case: ['defualt'] });
  assert.equal(r.ok, false);
  assert.doesNotMatch(r.text, /closest:.*\bdefault\b/);
});

test('after --bail, a file not run whose listed and default exports hold nothing --grep selects is not counted as skipped', async () => {
  const root = project({
    'test/a.test.ts': 'export function failsTest() { throw new Error("boom"); }\n',
    'test/b.test.ts': 'function unrelatedTest() {}\nexport { unrelatedTest };\nexport default function () {}\n',
    'test/c.test.ts': 'function x() {}\nexport { x as failsTooTest };\n',
  });
  const r = await runTests({ root, jobs: 1, bail: true, grep: 'fails', reporters: ['tty'], output: { write: () => true } });
  assert.equal(r.ok, false);
  assert.deepEqual(r.files.map((f) => [f.file, f.cases.map((c) => c.status)]), [
    ['test/a.test.ts', ['failed']],
    ['test/c.test.ts', ['skipped']],
  ]);
});

const declarators = [
  'const order: string[] = [];',
  'const suite = { mTest() { order.push("m"); }, bTest() { order.push("b"); } };',
  'export const zTest = () => {}, aTest = () => {};',
  'export const { mTest, bTest } = suite;',
  '',
].join('\n');

test('every declarator of an export const, and destructured exports, run in the order written', async () => {
  const root = project({ 'test/decl.test.ts': declarators });
  const r = await run(root);
  assert.equal(r.ok, true, r.text);
  assert.deepEqual(r.order, ['zTest', 'aTest', 'mTest', 'bTest']);
});

test('a typo in --case is told a destructured export of a file it did not run', async () => {
  const root = project({ 'test/decl.test.ts': declarators, 'test/other.test.ts': 'export function otherTest() {}\n' });
  const r = await run(root, { case: ['mTset'] });
  assert.equal(r.ok, false);
  assert.match(r.text, /--case mTset matched no test; closest: .*\bmTest\b/);
});

test('a line starting with export { inside a template literal is no export: after --bail, --grep does not count its file', async () => {
  const root = project({
    'test/a.test.ts': 'export function ghostlyTest() { throw new Error("boom"); }\n',
    'test/b.test.ts': 'export const doc = `\nexport { ghostTest }\nexport function ghostToo() {}\n`;\nexport function otherTest() {}\n',
  });
  const r = await runTests({ root, jobs: 1, bail: true, grep: 'ghost', reporters: ['tty'], output: { write: () => true } });
  assert.equal(r.ok, false);
  assert.deepEqual(r.files.map((f) => [f.file, f.cases.map((c) => c.status)]), [['test/a.test.ts', ['failed']]]);
});
