import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

const [hang, crash, leak, oom] = await Promise.all([
  runFixture('hang'), runFixture('crash'), runFixture('leak'), runFixture('oom', { workerMemoryMb: 32 }),
]);
after(() => [hang, crash, leak, oom].forEach((r) => removeCopy(r.root)));

test('a test that hangs in a receive is killed at its timeout and reported with where it waited and its mailbox', () => {
  const c = hang.find('waits');
  assert.equal(c.status, 'failed');
  assert.match(c.failure!.message, /timed out after 100 ms: <0\.\d+\.0> was waiting in assertReceive\('never'\) for 60000 ms, with 1 message\(s\) in its mailbox/);
});

test('the cleanup of a timed-out test still runs, and the tests after it still run', () => {
  assert.equal(hang.find('bAfterTest').status, 'passed');
});

test('a test blocking the event loop is terminated by the watchdog; the rest of the file runs in a new worker', () => {
  const c = hang.find('spins');
  assert.equal(c.status, 'failed');
  assert.match(c.failure!.message, /blocked/);
  assert.equal(hang.find('dLastTest').status, 'passed');
  assert.deepEqual(hang.result.counts, { passed: 2, failed: 2, skipped: 0, total: 4 });
});

test('process.exit in a test fails that test and its file; the siblings still run', () => {
  assert.equal(crash.find('exit > bExitTest').status, 'failed');
  assert.match(crash.find('exit > bExitTest').failure!.message, /^it called process\.exit\(3\), which ended its worker$/);
  assert.equal(crash.find('exit > aBeforeTest').status, 'passed');
  assert.equal(crash.find('exit > cAfterTest').status, 'passed');
  // Said once, in the test's failure: no file warning repeats it.
  assert.deepEqual(crash.result.files.find((f) => f.file.endsWith('exit.test.ts'))!.warnings, []);
});

test('a file whose worker dies while loading counts as one failed test, so the totals account for it', () => {
  const load = crash.result.files.find((f) => f.file.endsWith('load.test.ts'))!;
  assert.equal(load.cases.length, 1);
  assert.match(load.cases[0]!.failure!.message, /called process\.exit\(4\) while it loaded, which ended its worker/);
  assert.deepEqual(crash.result.counts, { passed: 2, failed: 2, skipped: 0, total: 4 });
  assert.equal(crash.text.trimEnd().split('\n').at(-1), '2 passed, 2 failed');
});

test('a worker out of memory fails the running test; the next test runs in a new worker', () => {
  assert.match(oom.find('aHogTest').failure!.message, /out of memory \(its heap limit is 32 MB; a larger heap: NODE_OPTIONS=--max-old-space-size=MB otp test, or workerMemoryMb in runTests\)/);
  assert.equal(oom.find('bAfterTest').status, 'passed');
});

test('a worker thrashing near its heap limit past its case\'s watchdog is reported as out of memory, naming the limit, not as a loop', async () => {
  // A limit of 128 MB: a worker given a tenth of a core by a loaded machine still nears it, or grows by a sixth of
  // it, within the watchdog's 3 s (at 512 MB it could have grown by less than a sixth and read as a loop).
  const thrash = await runFixture('oom-thrash', { workerMemoryMb: 128 });
  try {
    const hog = thrash.find('hoards');
    assert.equal(hog.status, 'failed');
    assert.match(hog.failure!.message, /out of memory.*heap limit (is|of) 128 MB/);
    assert.doesNotMatch(hog.failure!.message, /synchronous loop/);
    assert.equal(thrash.find('bAfterTest').status, 'passed');
  } finally {
    removeCopy(thrash.root);
  }
});

test('a loop is reported as a loop even while another worker grows the process\'s memory: the out-of-memory label measures the blocked worker\'s own heap', async () => {
  const run = await runFixture('oom-neighbour', { workerMemoryMb: 64, jobs: 2 });
  try {
    const spin = run.find('spins');
    assert.equal(spin.status, 'failed');
    assert.match(spin.failure!.message, /blocked for 2200 ms \(a synchronous loop never yields to the event loop\)/);
    assert.doesNotMatch(spin.failure!.message, /memory/);
    assert.equal(run.find('holds').status, 'passed', run.find('holds').failure?.text);
    assert.equal(run.find('bAfterTest').status, 'passed');
  } finally {
    removeCopy(run.root);
  }
});

test('leaked processes are reported against the test that leaked them, and killed', () => {
  assert.deepEqual(leak.find('aLeakTest').leaks?.length, 1);
  assert.match(leak.find('aLeakTest').leaks![0]!, /^<0\.\d+\.0> \(anonymous, waiting, 0 message\(s\) waiting\)$/);
  assert.equal(leak.find('aLeakTest').status, 'passed');
  assert.equal(leak.find('cCleanTest').leaks, undefined);
  assert.match(leak.text, /Leaked processes/);
});

test('an unhandled rejection fails the test during which it happened', () => {
  const c = leak.find('bRejectTest');
  assert.equal(c.status, 'failed');
  assert.match(c.failure!.message, /unhandled rejection: Error: nobody awaited me/);
  assert.equal(leak.find('cCleanTest').status, 'passed');
});

test('a crash report of a process a test spawned goes to that test\'s log', () => {
  const c = leak.find('dCrashLogTest');
  assert.equal(c.status, 'passed');
  assert.match(c.log?.[0] ?? '', /^Error in process <0\.\d+\.0>: Error: child crashed/);
});
