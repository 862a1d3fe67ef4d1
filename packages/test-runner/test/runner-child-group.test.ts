// What a test's child process starts in turn (a shell's commands) never outlives the run: each child runs in a process
// group of its own, killed whole when its file ends, also when its worker was terminated, and after the child exited.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('child-group', { timeoutMs: 500 });
const pidOf = (name: string): number => Number(readFileSync(join(run.root, name), 'utf8').trim());
// A killed process reparented to init may stay a zombie (state Z) until init waits for it: it runs no more.
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}/stat`) ? !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) : true;
  } catch {
    return false;
  }
};
const pids = ['blocked.pid', 'orphan.pid'].filter((n) => existsSync(join(run.root, n))).map(pidOf);
after(() => {
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  removeCopy(run.root);
});

async function gone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 5000;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return !alive(pid);
}

test('the grandchild of a test whose worker was terminated (blocked) is killed with its parent', { skip: process.platform === 'win32' }, async () => {
  assert.equal(run.find('blockedTest').status, 'failed', run.text);
  const pid = pidOf('blocked.pid');
  assert.equal(await gone(pid), true, `the grandchild (pid ${pid}) still runs after the run ended`);
});

test('the grandchild left by a child that exited first is killed when its file ends, and the warning names it', { skip: process.platform === 'win32' }, async () => {
  assert.equal(run.find('orphanTest').status, 'passed', run.text);
  const pid = pidOf('orphan.pid');
  assert.equal(await gone(pid), true, `the grandchild (pid ${pid}) still runs after the run ended`);
  const warnings = run.result.files.find((f) => f.file === 'test/orphan.test.ts')!.warnings.join('\n');
  assert.match(warnings, /left 1 child process\(es\) running after its tests \(process group \d+, started by sh -c sleep 600 &.*, which exited first\): killed/);
});
