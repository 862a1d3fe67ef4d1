import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('globals-left');
after(() => removeCopy(run.root));

test('a test that leaves a builtin or a global timer replaced fails, naming it; the runner puts it back and the next tests run normally', () => {
  const cases = run.result.files[0]!.cases;
  assert.deepEqual(cases.map((c) => [c.path.at(-1), c.status]), [
    ['firstTest', 'passed'],
    ['replacesMapTest', 'failed'],
    ['afterMapTest', 'passed'],
    ['replacesSetTimeoutTest', 'failed'],
    ['afterSetTimeoutTest', 'passed'],
    ['restoresTest', 'passed'],
    ['#1', 'passed'],
    ['lastTest', 'passed'],
  ]);
  assert.equal(run.find('replacesMapTest').failure!.message, 'the test left Array.prototype.map replaced and never restored it (the runner put it back for the tests after it)');
  assert.equal(run.find('replacesSetTimeoutTest').failure!.message, 'the test left the global setTimeout replaced and never restored it (the runner put it back for the tests after it)');
  assert.doesNotMatch(run.text, /exited with code|unhandled error outside/);
});

const methods = await runFixture('globals-methods');
after(() => removeCopy(methods.root));

test('a test that leaves Date.now, performance.now (or Performance.prototype.now, or the global performance or console), Math.random, console.log or process.exit stubbed fails, naming it, and the tests after it see the real one', () => {
  const cases = methods.result.files[0]!.cases;
  assert.deepEqual(cases.map((c) => [c.path.at(-1), c.status]), [
    ['freezesClockTest', 'failed'],
    ['afterClockTest', 'passed'],
    ['stubsClockClassTest', 'failed'],
    ['afterClockClassTest', 'passed'],
    ['replacesPerformanceTest', 'failed'],
    ['afterPerformanceTest', 'passed'],
    ['stubsRandomTest', 'failed'],
    ['afterRandomTest', 'passed'],
    ['silencesConsoleTest', 'failed'],
    ['afterConsoleTest', 'passed'],
    ['replacesConsoleTest', 'failed'],
    ['afterConsoleReplacedTest', 'passed'],
    ['stubsExitTest', 'failed'],
    ['#1', 'passed'],
    ['lastTest', 'passed'],
  ]);
  assert.equal(methods.find('freezesClockTest').failure!.message, 'the test left Date.now, performance.now replaced and never restored them (the runner put them back for the tests after it)');
  assert.equal(methods.find('stubsClockClassTest').failure!.message, 'the test left Performance.prototype.now replaced and never restored it (the runner put it back for the tests after it)');
  assert.equal(methods.find('replacesPerformanceTest').failure!.message, 'the test left the global performance replaced and never restored it (the runner put it back for the tests after it)');
  assert.equal(methods.find('replacesConsoleTest').failure!.message, 'the test left the global console replaced and never restored it (the runner put it back for the tests after it)');
  assert.equal(methods.find('stubsRandomTest').failure!.message, 'the test left Math.random replaced and never restored it (the runner put it back for the tests after it)');
  assert.equal(methods.find('silencesConsoleTest').failure!.message, 'the test left console.log replaced and never restored it (the runner put it back for the tests after it)');
  assert.equal(methods.find('stubsExitTest').failure!.message, 'the test left process.exit replaced and never restored it (the runner put it back for the tests after it)');
  assert.match(methods.result.files[0]!.output, /heard after the silencing test/);
  assert.match(methods.result.files[0]!.output, /heard after the replacing test/);
});
