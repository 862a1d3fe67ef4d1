import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { affectedTests, ImportGraph, metafileInputs, runTests } from '@otp-ts/test-runner';

const root = '/p';
const at = (rel: string): string => join(root, rel);

function graphOf(entries: Record<string, string[] | undefined>): ImportGraph {
  const graph = new ImportGraph();
  for (const [file, inputs] of Object.entries(entries)) graph.record(at(file), inputs?.map(at));
  return graph;
}

test('metafileInputs makes esbuild input keys absolute and skips other plugin namespaces', () => {
  assert.deepEqual(metafileInputs(root, { 'src/a.ts': {}, '../lib/x.ts': {}, 'virtual:gen': {}, 'file:src/b.ts': {} }), ['/p/src/a.ts', '/lib/x.ts', '/p/src/b.ts']);
});

test('a source change reruns only the test files built from it, directly or transitively', () => {
  const graph = graphOf({ 'test/a.test.ts': ['test/a.test.ts', 'src/a.ts', 'src/shared.ts'], 'test/b.suite.ts': ['test/b.suite.ts', 'src/b.ts', 'src/shared.ts'] });
  assert.deepEqual(affectedTests(root, graph, [{ event: 'change', path: at('src/a.ts') }]), { files: [at('test/a.test.ts')], lines: ['src/a.ts changed: rerunning test/a.test.ts'] });
  assert.deepEqual(affectedTests(root, graph, [{ event: 'change', path: at('src/shared.ts') }]).lines, ['src/shared.ts changed: rerunning test/a.test.ts, test/b.suite.ts']);
  assert.deepEqual(affectedTests(root, graph, [{ event: 'change', path: at('src/other.ts') }]), { files: [], lines: ['src/other.ts changed: no test depends on it'] });
});

test('a changed or new test file reruns itself unless outside the paths given; a batch counts each file once', () => {
  const graph = graphOf({ 'test/a.test.ts': ['src/a.ts'] });
  assert.deepEqual(affectedTests(root, graph, [{ event: 'change', path: at('test/a.test.ts') }]).files, [at('test/a.test.ts')]);
  assert.deepEqual(affectedTests(root, graph, [{ event: 'add', path: at('test/new.test.ts') }]), { files: [at('test/new.test.ts')], lines: ['test/new.test.ts added: rerunning test/new.test.ts'] });
  assert.deepEqual(affectedTests(root, graph, [{ event: 'add', path: at('test/new.test.ts') }], () => false).files, []);
  const batch = affectedTests(root, graph, [{ event: 'change', path: at('src/a.ts') }, { event: 'change', path: at('src/a.ts') }, { event: 'change', path: at('test/a.test.ts') }]);
  assert.deepEqual(batch, { files: [at('test/a.test.ts')], lines: ['src/a.ts changed: rerunning test/a.test.ts', 'test/a.test.ts changed: rerunning test/a.test.ts'] });
});

test('a deleted test file is dropped from the graph; a deleted source reruns the tests that imported it', () => {
  const graph = graphOf({ 'test/a.test.ts': ['src/a.ts'], 'test/b.test.ts': ['src/b.ts'] });
  assert.deepEqual(affectedTests(root, graph, [{ event: 'unlink', path: at('test/a.test.ts') }]), { files: [], lines: ['test/a.test.ts deleted: no longer run'] });
  assert.deepEqual(graph.files(), [at('test/b.test.ts')]);
  assert.equal(affectedTests(root, graph, [{ event: 'change', path: at('src/a.ts') }]).files.length, 0);
  assert.deepEqual(affectedTests(root, graph, [{ event: 'unlink', path: at('src/b.ts') }]).lines, ['src/b.ts deleted: rerunning test/b.test.ts']);
});

test('a test file whose last build failed depends on every file (its imports are unknown) until it builds again', () => {
  const graph = graphOf({ 'test/a.test.ts': undefined, 'test/b.test.ts': ['src/b.ts'] });
  assert.deepEqual(affectedTests(root, graph, [{ event: 'add', path: at('src/fixed.ts') }]).files, [at('test/a.test.ts')]);
  graph.record(at('test/a.test.ts'), [at('src/fixed.ts')]);
  assert.deepEqual(affectedTests(root, graph, [{ event: 'change', path: at('src/b.ts') }]).files, [at('test/b.test.ts')]);
});

test('runTests records what each test file is built from, refreshed on every build', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'otp-import-graph-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'node_modules'), join(dir, 'node_modules'), 'dir');
  const write = (rel: string, text: string): void => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  write('src/shared.ts', 'export const base = 1;\n');
  write('src/a.ts', "import { base } from './shared.ts';\nexport const a = base + 1;\n");
  write('src/b.ts', 'export const b = 3;\n');
  write('test/a.test.ts', "import { a } from '../src/a.ts';\nexport function aTest(): void {\n  if (a !== 2) throw new Error('a');\n}\n");
  const graph = new ImportGraph();
  const run = (): Promise<unknown> => runTests({ root: dir, jobs: 1, reporters: [], importGraph: graph });
  await run();
  assert.deepEqual(graph.dependents(join(dir, 'src', 'shared.ts')), [join(dir, 'test', 'a.test.ts')]);
  assert.deepEqual(graph.dependents(join(dir, 'src', 'b.ts')), []);
  write('test/a.test.ts', "import { b } from '../src/b.ts';\nexport function bTest(): void {\n  if (b !== 3) throw new Error('b');\n}\n");
  await run();
  assert.deepEqual(graph.dependents(join(dir, 'src', 'shared.ts')), [], 'the rebuild replaced the old inputs');
  assert.deepEqual(graph.dependents(join(dir, 'src', 'b.ts')), [join(dir, 'test', 'a.test.ts')]);
});
