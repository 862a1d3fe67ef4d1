// A child process a test starts and leaves running never outlives its test file: it is killed and waited for when the file
// ends (so it is not left a zombie of a long-lived runner), and a warning names it (one left running would outlast the run, and with the run's output inherited keep a CI pipe open).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('child-left');
const pid = Number(readFileSync(join(run.root, 'left.pid'), 'utf8'));
// A killed child of this process that nobody waited for stays a zombie (state Z), which kill(pid, 0) still finds.
const alive = (): boolean => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
after(() => {
  if (alive()) process.kill(pid, 'SIGKILL');
  removeCopy(run.root);
});

test('the child process a test left running is killed when its file ends', async () => {
  const deadline = Date.now() + 5000;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(alive(), false, `pid ${pid} still runs after the run ended`);
});

test('the killed child was waited for before the file was reported done: no zombie of it stays in the runner', () => {
  // runTests ran in this process, which is still running: a child killed but never waited for would still be listed, as a zombie.
  assert.equal(existsSync(`/proc/${pid}`), false, `pid ${pid} is still in the process table (${existsSync(`/proc/${pid}`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : ''})`);
});

test('a warning names the file and the child left running; the tests keep their outcomes', () => {
  const warnings = run.result.files[0]!.warnings;
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, new RegExp(`^test/child\\.test\\.ts left 1 child process\\(es\\) running after its tests \\(pid ${pid}: .*setInterval`));
  assert.deepEqual(run.result.counts, { passed: 2, failed: 0, skipped: 0, total: 2 });
  assert.match(run.text, /⚠ test\/child\.test\.ts: test\/child\.test\.ts left 1 child process/);
});
