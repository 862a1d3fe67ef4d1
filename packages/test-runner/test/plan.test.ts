import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  planFile, filterPlan, planCases, fullName, setup, foreach, timeout, inparallel, inorder,
  EUNIT_TIMEOUT_MS, CT_TIMETRAP_MS, type PlanGroup, type PlanNode,
} from '@otp-ts/test-runner';

const names = (node: PlanNode): string[] => planCases(node).map(fullName);
const noop = (): void => undefined;
const group = (node: PlanNode | undefined): PlanGroup => {
  assert.equal(node?.kind, 'group');
  return node as PlanGroup;
};

test('an EUnit file: ...Test exports are tests, ...Tests generators give sets, prop... are properties, the rest is ignored', () => {
  const plan = planFile('test/math.test.ts', {
    addTest: noop, listTests: () => [noop, noop], propSum: fc.property(fc.integer(), () => true), helper: noop, CONSTANT: 3, notATest: 1,
  }, { exportOrder: ['listTests', 'addTest', 'propSum'] });
  assert.equal(plan.kind, 'eunit');
  assert.equal(plan.module, 'math');
  assert.deepEqual(names(plan.root), ['math > listTests > noop#1', 'math > listTests > noop#2', 'math > addTest', 'math > propSum']);
  const cases = planCases(plan.root);
  assert.deepEqual(cases.map((c) => c.id), ['0.0', '0.1', '1', '2']);
  assert.ok(cases[3]!.property !== undefined);
  assert.equal(cases[2]!.timeoutMs, EUNIT_TIMEOUT_MS);
});

test('exports the known order does not list come after the listed ones; listed names that are not exports are ignored', () => {
  assert.deepEqual(names(planFile('b.test.ts', { aTest: noop, zTest: noop }, { exportOrder: ['zTest', 'gone'] }).root), ['b > zTest', 'b > aTest']);
});

test('labels name tests; named functions name themselves; setup, foreach, timeout and inparallel become groups', () => {
  function namedOne(): void {}
  const plan = planFile('x.test.ts', {
    setTests: () => [
      ['first', noop],
      { label: 'second', test: noop },
      namedOne,
      setup(() => 1, noop, [() => 1]),
      foreach(() => 2, noop, [() => 1]),
      timeout(50, [() => 1]),
      inparallel([() => 1, inorder([() => 1])]),
    ],
  });
  assert.deepEqual(names(plan.root), [
    'x > setTests > first', 'x > setTests > second', 'x > setTests > namedOne', 'x > setTests > #4 > #1', 'x > setTests > #5 > #1',
    'x > setTests > #6 > #1', 'x > setTests > #7 > #1', 'x > setTests > #7 > #2 > #1',
  ]);
  const set = group(plan.root.children[0]);
  const [, , , withSetup, withForeach, withTimeout, parallel] = set.children;
  assert.ok(group(withSetup).init && group(withSetup).end && !group(withSetup).initEach);
  assert.ok(group(withForeach).initEach && group(withForeach).endEach && !group(withForeach).init);
  assert.deepEqual(planCases(withTimeout!).map((c) => c.timeoutMs), [50]);
  assert.equal(group(parallel).parallel, true);
  assert.equal(group(group(group(parallel).children[0]).children[1]).parallel, false);
});

test('a generator that throws becomes one failing case, so the file still accounts for it', async () => {
  const plan = planFile('g.test.ts', { brokenTests: () => { throw new Error('oops'); } });
  const [c] = planCases(plan.root);
  assert.equal(fullName(c!), 'g > brokenTests');
  assert.throws(() => c!.run(undefined, undefined as never), /the generator brokenTests threw: oops/);
});

const suiteExports = {
  all: () => ['one', { group: 'par' }, { group: 'rep' }, { group: 'until' }, 'missing'],
  groups: () => ({
    par: { properties: ['parallel'], cases: ['one', 'two'] },
    seq: { properties: ['sequence'], cases: ['one', 'two'] },
    rep: { properties: [{ repeat: 2 }], cases: [{ group: 'seq' }] },
    until: { properties: [{ repeatUntilFail: 3 }], cases: ['two'] },
    mixed: { properties: ['shuffle'], cases: ['a', 'b', 'c', 'd', 'e', 'f'] },
  }),
  suite: () => ({ timetrap: 1234 }),
  one: noop, two: noop, a: noop, b: noop, c: noop, d: noop, e: noop, f: noop,
  initPerSuite: noop, endPerSuite: noop, initPerGroup: noop, initPerTestcase: noop,
};

test('a suite: all() order, groups with properties, repeat expanded, unknown cases failing, the timetrap on every case', () => {
  const plan = planFile('test/shop.suite.ts', suiteExports);
  assert.equal(plan.kind, 'suite');
  assert.deepEqual(names(plan.root), [
    'shop > one', 'shop > par > one', 'shop > par > two',
    'shop > rep#1 > seq > one', 'shop > rep#1 > seq > two', 'shop > rep#2 > seq > one', 'shop > rep#2 > seq > two',
    'shop > until#1 > two', 'shop > until#2 > two', 'shop > until#3 > two', 'shop > missing',
  ]);
  assert.deepEqual(new Set(planCases(plan.root).slice(0, -1).map((c) => c.timeoutMs)), new Set([1234]));
  const [, par, rep, until] = plan.root.children;
  assert.equal(group(par).parallel, true);
  assert.ok(group(par).init, 'initPerGroup is the group init');
  assert.equal(group(rep).stopOnFail, false);
  assert.equal(group(group(group(rep).children[0]).children[0]).stopOnFail, true, 'sequence stops at the first failure');
  assert.equal(group(until).stopOnFail, true, 'repeatUntilFail stops at the first failure');
  assert.ok(plan.root.init && plan.root.end && plan.root.initEach && !plan.root.endEach);
  assert.throws(() => planCases(plan.root).at(-1)!.run({}, undefined as never), /no case export named 'missing'/);
});

test('shuffle is reproducible from its seed and differs across seeds', () => {
  const exports = { ...suiteExports, all: () => [{ group: 'mixed' }] };
  const order = (seed: number): string[] => planCases(planFile('s.suite.ts', exports, { shuffleSeed: seed }).root).map((c) => c.name);
  assert.deepEqual(order(7), order(7));
  assert.deepEqual([...order(7)].sort(), ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.ok([1, 2, 3, 4, 5].some((s) => order(s).join() !== order(7).join()));
});

test('a suite whose required config is missing plans every case as skipped; CT timetrap defaults apply', () => {
  const exports = { all: () => ['one'], suite: () => ({ require: ['db', 'port'] }), one: noop };
  const [c] = planCases(planFile('r.suite.ts', exports, { config: { port: 1 } }).root);
  assert.equal(c!.skip, 'required config missing: db');
  assert.equal(c!.timeoutMs, CT_TIMETRAP_MS);
  assert.equal(planCases(planFile('r.suite.ts', exports, { config: { port: 1, db: 'x' } }).root)[0]!.skip, undefined);
});

test('filters keep the selected cases and drop emptied groups', () => {
  const plan = planFile('test/shop.suite.ts', suiteExports);
  assert.deepEqual(names(filterPlan(plan, { group: ['par'] }).root), ['shop > par > one', 'shop > par > two']);
  assert.deepEqual(names(filterPlan(plan, { group: ['rep'], case: ['two'] }).root), ['shop > rep#1 > seq > two', 'shop > rep#2 > seq > two']);
  assert.deepEqual(names(filterPlan(plan, { grep: /until#2/ }).root), ['shop > until#2 > two']);
  assert.deepEqual(names(filterPlan(plan, { suite: ['other'] }).root), []);
  const eunit = planFile('m.test.ts', { aTest: noop, bTests: () => [['x', noop], ['y', noop]] });
  assert.deepEqual(names(filterPlan(eunit, { case: ['bTests'] }).root), ['m > bTests > x', 'm > bTests > y']);
  assert.deepEqual(names(filterPlan(eunit, { case: ['y'] }).root), ['m > bTests > y']);
});
