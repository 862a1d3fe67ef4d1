import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('eunit');
after(() => removeCopy(run.root));

test('every discovered test of an EUnit file is accounted for, in source order', () => {
  assert.deepEqual(run.result.counts, { passed: 10, failed: 2, skipped: 0, total: 12 });
  const names = run.result.files[0]!.cases.map((c) => c.path.join(' > '));
  assert.deepEqual(names.slice(0, 3), ['math > addTest', 'math > objectTest', 'math > echoTest']);
  assert.equal(run.result.ok, false);
});

test('a failing assertion is reported with its TypeScript source line and a diff', () => {
  const c = run.find('objectTest');
  assert.equal(c.status, 'failed');
  assert.match(c.failure!.location!.file, /math\.test\.ts$/);
  assert.equal(c.failure!.location!.line, 12);
  assert.equal(c.failure!.location!.lineText, 'assertEqual({ a: 1, b: [1, 2, 3] }, { a: 1, b: [1, 2, 4] });');
  assert.match(c.failure!.diff!, /^- {5}4,\n\+ {5}3,$/m);
  assert.match(run.text, /> assertEqual\(\{ a: 1, b: \[1, 2, 3\] \}/);
});

test('a test declaring a parameter gets a process context of a fresh runtime', () => {
  assert.equal(run.find('echoTest').status, 'passed');
});

test('labels, setup, foreach and inparallel sets pass; a timeout() set times its tests out', () => {
  for (const name of ['labelled', 'object label', 'shared a', 'shared b', 'each a', 'each b', '#5 > #1', '#5 > #2']) assert.equal(run.find(name).status, 'passed', name);
  const slow = run.find('slow');
  assert.equal(slow.status, 'failed');
  assert.equal(slow.timedOut, true);
  assert.match(slow.failure!.message, /^timed out after 50 ms: <0\.\d+\.0> was waiting/);
});

test('inparallel tests run at the same time (the first waits for a message only the second sends)', () => {
  const [a, b] = [run.find('#5 > #1'), run.find('#5 > #2')];
  assert.equal(a.status, 'passed', a.failure?.text);
  // Both passing is the proof: run one after the other, the first would give up waiting after 2 s and fail.
  assert.equal(b.status, 'passed', b.failure?.text);
});

test('the tty report ends with the exact closing line', () => {
  assert.equal(run.text.trimEnd().split('\n').at(-1), '10 passed, 2 failed');
  assert.match(run.text, /Slowest:\n/);
});
