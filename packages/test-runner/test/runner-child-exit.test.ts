// A program running the tests that exits while a test file still runs (a second Ctrl-C makes otp test exit at once) kills
// the children the tests started: in process groups of their own, a terminal's Ctrl-C no longer reaches them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureCopy, removeCopy } from './helpers.ts';

const root = fixtureCopy('child-exit');
const pidFile = join(root, 'child.pid');
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}/stat`) ? !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) : true;
  } catch {
    return false;
  }
};
after(() => {
  if (existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8')))) process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  removeCopy(root);
});

test('the child a running test started is killed when the program running the tests exits mid-file', { skip: process.platform === 'win32' }, async () => {
  const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  // The program: runTests in the background, and process.exit once the test's child runs.
  const program = `import { runTests } from ${JSON.stringify(entry)}; import { existsSync } from 'node:fs';
void runTests({ root: ${JSON.stringify(root)}, reporters: [], output: { write: () => true } });
const poll = setInterval(() => { if (existsSync(${JSON.stringify(pidFile)})) { clearInterval(poll); process.exit(0); } }, 20);`;
  const runner = spawn(process.execPath, ['--input-type=module', '-e', program], { stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => runner.once('exit', resolve));
  assert.equal(code, 0);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const deadline = Date.now() + 5000;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(alive(pid), false, `the test's child (pid ${pid}) still runs after the program exited`);
});
