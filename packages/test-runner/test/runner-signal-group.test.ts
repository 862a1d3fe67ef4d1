import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fixtureCopy, removeCopy } from './helpers.ts';

// The runner runs in a child process that leads its own process group (as `otp test` started from a shell does);
// this process is its parent. Were a test's signal to go through, the group's would end the runner, and the
// parent's would reach this process.
const root = fixtureCopy('signal-group');
after(() => removeCopy(root));
let heard = 0;
const count = (): void => void heard++;
process.on('SIGUSR2', count);
after(() => process.off('SIGUSR2', count));

const script = `import { runTests } from '@otp-ts/test-runner';
const r = await runTests({ root: process.cwd(), jobs: 1, reporters: [] });
console.log(JSON.stringify(r.files.flatMap((f) => f.cases).map((c) => [c.path.at(-1), c.status, c.failure?.message ?? ''])));`;

async function runDetached(): Promise<{ out: string; err: string; code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const [code, signal] = (await new Promise((resolve) => child.once('close', (...a) => resolve(a)))) as [number | null, NodeJS.Signals | null];
  return { out, err, code, signal };
}

test("a test that signals the runner's process group or the runner's parent, itself or through a kill command in a child process, fails alone, saying why; neither gets the signal", async () => {
  const run = await runDetached();
  assert.equal(run.signal, null, `the runner was not signalled: ${run.err}`);
  assert.equal(heard, 0, 'the parent got no signal');
  const cases = JSON.parse(run.out.trim().split('\n').at(-1)!) as Array<[string, string, string]>;
  assert.deepEqual(cases.map(([name, status]) => [name, status]), [
    ['firstTest', 'passed'],
    ['signalsGroupTest', 'failed'],
    ['signalsParentTest', 'failed'],
    ['shellSignalsParentTest', 'failed'],
    ['shellSignalsRunnerTest', 'failed'],
    ['spawnSignalsGroupTest', 'failed'],
    ['shellProbesRunnerTest', 'passed'],
    ['lastTest', 'passed'],
  ]);
  assert.match(cases[1]![2], /^Error: process\.kill\(-\d+, "SIGUSR2"\) in a test would signal the test runner's process group, the runner among them: test a signal handler in a child process of its own$/);
  assert.match(cases[2]![2], /^Error: process\.kill\(\d+, "SIGUSR2"\) in a test would signal the process that started the test runner \(its parent\): test a signal handler in a child process of its own$/);
  assert.match(cases[3]![2], /^Error: execSync\("kill -USR2 \d+"\) in a test would signal the process that started the test runner \(its parent\): test a signal handler in a child process of its own$/);
  assert.match(cases[4]![2], /^Error: execSync\("kill -USR2 \$PPID"\) in a test would signal the test runner's own process/);
  assert.match(cases[5]![2], /^Error: spawnSync\("kill -s USR2 -- -\d+"\) in a test would signal the test runner's process group/);
});
