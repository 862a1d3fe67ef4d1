import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('node-test');
after(() => removeCopy(run.root));

test('a node:test file runs as cases: tests, nested describe/it names, in registration order', () => {
  const names = run.result.files[0]!.cases.map((c) => c.path.slice(1).join(' > '));
  assert.deepEqual(names, ['adds', 'compares objects', 'async with options', 'skipped by option', 'skips itself', 'times out', 'callback style', 'outer > inner', 'outer > deeper > deepest', 'hooks ran in order']);
  assert.deepEqual(run.result.counts, { passed: 6, failed: 2, skipped: 2, total: 10 });
});

test('hooks, t.after cleanups and callback-style tests run as node:test runs them', () => {
  for (const name of ['hooks ran in order', 'callback style', 'async with options', 'outer > deeper > deepest']) assert.equal(run.find(name).status, 'passed', run.find(name).failure?.text);
});

test('skip options and t.skip() skip; a timeout option times the test out; a failing node:assert shows its diff', () => {
  assert.equal(run.find('skipped by option').skipReason, 'not today');
  assert.equal(run.find('skips itself').skipReason, 'from inside');
  assert.equal(run.find('times out').timedOut, true);
  assert.match(run.find('compares objects').failure!.text, /\+\s+3,?\n-\s+4/);
});

test('a test that calls t.todo() or t.skip() and then fails is todo / skipped, not failed, as node --test counts it', async () => {
  const marked = await runFixture('node-test-todo');
  try {
    assert.deepEqual(marked.result.counts, { passed: 1, failed: 0, skipped: 2, total: 3 });
    assert.equal(marked.result.ok, true);
    assert.equal(marked.find('todo, then fails').skipReason, 'todo: not written yet (it failed: Error: unfinished)');
    assert.equal(marked.find('skips, then fails').skipReason, 'not here (it failed: Error: ran on anyway)');
  } finally {
    removeCopy(marked.root);
  }
});

test('an async describe that awaits before registering keeps its tests and hooks in its suite; a body that rejects fails its file', async () => {
  const awaited = await runFixture('node-test-async');
  try {
    const [file, broken] = [awaited.result.files.find((f) => f.file === 'test/async.test.ts')!, awaited.result.files.find((f) => f.file === 'test/broken.test.ts')!];
    assert.deepEqual(file.cases.map((c) => [c.path.join(' > '), c.status]), [
      ['async > db > reads rows', 'passed'],
      ['async > db > nested > ran its beforeEach', 'passed'],
      ['async > top', 'passed'],
    ], file.cases.map((c) => c.failure?.text).join('\n'));
    assert.deepEqual(broken.cases.map((c) => [c.path.join(' > '), c.status]), [['test/broken.test.ts', 'failed']]);
    assert.match(broken.cases[0]!.failure!.text, /its tests could not be planned: Error: the suite body failed/);
  } finally {
    removeCopy(awaited.root);
  }
});

test("a hook's own timeout option bounds it: a hung before or beforeEach fails its tests at that limit, naming the hook", async () => {
  const hooks = await runFixture('node-test-hook-timeout');
  try {
    assert.deepEqual(hooks.result.files[0]!.cases.map((c) => [c.path.at(-1), c.status]), [['needs the before hook', 'failed'], ['needs the beforeEach hook', 'failed'], ['runs after them', 'passed']]);
    assert.match(hooks.find('needs the before hook').failure!.message, /the before hook timed out after 200 ms \(its timeout option\)/);
    assert.match(hooks.find('needs the beforeEach hook').failure!.message, /the beforeEach hook timed out after 200 ms \(its timeout option\)/);
  } finally {
    removeCopy(hooks.root);
  }
});

test('tests marked skip under a before hook that throws are skipped, as node --test reports them; the hook fails the others, once each', async () => {
  const hooked = await runFixture('node-test-before-skip');
  try {
    const file = (name: string) => hooked.result.files.find((f) => f.file === `test/${name}`)!;
    assert.deepEqual(Object.fromEntries(file('hook.test.ts').cases.map((c) => [c.name, c.status])), {
      'skipped with it.skip': 'skipped', 'skipped with test.skip': 'skipped', 'skipped by option': 'skipped', 'needs the database': 'failed',
    });
    assert.equal(hooked.find('skipped by option').skipReason, 'not on this machine');
    const failed = hooked.find('needs the database');
    assert.equal(failed.failure!.text.split('database down').length - 1, 1, failed.failure!.text);
    // Every test skipped: node --test still runs the hook and fails the suite; so does the file, once.
    const alone = file('all-skipped.test.ts').cases;
    assert.deepEqual(alone.map((c) => [c.name, c.status]), [['a before hook failed', 'failed'], ['skipped alone', 'skipped']]);
    assert.match(alone[0]!.failure!.text, /all-skipped > cache: before hook failed: Error: cache down/);
    assert.equal(hooked.result.ok, false);
    assert.match(hooked.text, /0 passed, 2 failed, 4 skipped\s*$/);
  } finally {
    removeCopy(hooked.root);
  }
});
