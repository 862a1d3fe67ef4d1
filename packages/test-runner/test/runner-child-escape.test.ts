// A process a test starts that leaves its process group (setsid, a daemon) never outlives the run either: the runner
// finds it by the mark it inherited in its environment, kills it when its file ends, and names it in a warning; and a
// runner killed by SIGKILL leaves no test process behind (its watchdog kills them). Linux only: elsewhere the runner
// kills process groups alone (see the README's limits).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCopy, runFixture, removeCopy } from './helpers.ts';

const linux = process.platform === 'linux';
// A killed process reparented to init may stay a zombie (state Z) until init waits for it: it runs no more.
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
// Whatever a failed check left running is killed here: every pid file the fixtures wrote.
const roots: string[] = [];
after(() => {
  for (const root of roots) {
    for (const name of readdirSync(root).filter((n) => n.endsWith('.pid'))) {
      const pid = Number(readFileSync(join(root, name), 'utf8').trim());
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    }
    removeCopy(root);
  }
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const pidIn = (root: string, name: string): number => Number(readFileSync(join(root, name), 'utf8').trim());

test('a process that left its process group (setsid) is killed when its file ends, with its own environment too, and the warning names it', { skip: !linux }, async () => {
  const root = fixtureCopy('child-escape');
  roots.push(root);
  const run = await runFixture('child-escape', {}, root);
  assert.equal(run.find('setsidTest').status, 'passed', run.text);
  assert.equal(run.find('ownEnvTest').status, 'passed', run.text);
  for (const name of ['setsid.pid', 'own-env.pid']) {
    const pid = pidIn(run.root, name);
    await until(() => !alive(pid), `the setsid'd process ${pid} (${name}) is gone`);
  }
  const warnings = run.result.files[0]!.warnings.join('\n');
  assert.match(warnings, /left 2 process\(es\) running outside the process groups the runner kills \(pid \d+: sleep 600; pid \d+: sleep 600\): killed/);
});

const script = `import { runTests } from '@otp-ts/test-runner';
await runTests({ root: process.cwd(), jobs: 1, reporters: [], timeoutMs: 600000 });`;

test("a runner killed by SIGKILL leaves none of its tests' processes running, in their process group or out of it", { skip: !linux }, async () => {
  const root = fixtureCopy('runner-killed');
  roots.push(root);
  const runner = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: 'ignore' });
  after(() => void runner.kill('SIGKILL'));
  await until(() => existsSync(join(root, 'child.pid')) || runner.exitCode !== null, 'the test started its processes');
  const child = pidIn(root, 'child.pid');
  const escaped = pidIn(root, 'escaped.pid');
  assert.equal(alive(child) && alive(escaped), true, 'both run while the runner does');
  runner.kill('SIGKILL');
  await until(() => !alive(child), `the test's child ${child} is gone`);
  await until(() => !alive(escaped), `the setsid'd process ${escaped} is gone`);
});
