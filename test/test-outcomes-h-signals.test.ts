// End to end through the built binary: a CI job cancelled (SIGTERM) or a developer's Ctrl-C (SIGINT) in the middle of
// `otp test`, with and without --cover. The run must end non-zero with a report of what ran that says it was
// interrupted, every planned case accounted for, the JUnit report written, and no process left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './support/wait.ts';
import { tempProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const dir = tempProject('otp-outcomes-h-sig-', {}, join(repo, 'test', 'fixtures', 'outcomes-h'));
// A file whose second test never ends, and says when it started: the signal always lands while a case runs.
const started = join(dir, 'hold-h-started');
writeFileSync(join(dir, 'test', 'hold_h.test.ts'), `import { writeFileSync } from 'node:fs';
import { timeout } from '@otp-ts/test-runner';
import { bumpH } from '../src/counter_h.ts';

export function firstHTest(): void {
  bumpH(1);
}

export function holdHTests() {
  return timeout(600_000, [['holds h', () => {
    writeFileSync(${JSON.stringify(started)}, 'started');
    return new Promise(() => {});
  }]]);
}
`);

const last = (s: string): string => s.trimEnd().split('\n').at(-1)!;

/** The processes whose working directory is the project copy (Linux's /proc; elsewhere none are found). */
function leftovers(): string[] {
  if (!existsSync('/proc/self/cwd')) return [];
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p) && p !== String(process.pid)).filter((p) => {
    try {
      return readlinkSync(`/proc/${p}/cwd`).startsWith(dir);
    } catch {
      return false;
    }
  }).map((p) => `${p}: ${readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
}

/** The process ids whose parent is `pid` (Linux's /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return Number(readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]) === pid;
    } catch {
      return false;
    }
  }).map(Number);
}

/** Starts `otp test ARGS..`, sends `signal` once the holding case runs (to otp, or with `toChild` to the child process that --cover runs the tests in), and resolves with how it ended. */
async function interrupt(signal: NodeJS.Signals, args: readonly string[], { toChild = false } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  rmSync(started, { force: true });
  const child = spawn(process.execPath, [bin, 'test', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    await waitFor('the holding case started', () => existsSync(started), { ms: 120_000 });
    if (toChild) process.kill((await waitFor('the child running the tests', () => childrenOf(child.pid!)[0]))!, signal);
    else child.kill(signal);
    const code = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`otp test did not end within 60 s of ${signal}:\n${stdout}\n${stderr}`)), 60_000))]);
    return { code, stdout, stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

test('SIGTERM mid-run: exit 143, the report says it was interrupted, the running case is skipped as interrupted, JUnit is written, nothing is left running', async () => {
  const r = await interrupt('SIGTERM', ['test/hold_h.test.ts', '--reporter', 'junit', '--reporter', 'tty']);
  assert.equal(r.code, 143, r.stdout + r.stderr);
  assert.equal(r.stderr, 'otp: SIGTERM: stopping the tests and reporting what ran (SIGTERM again stops at once)\n');
  assert.match(r.stdout, /^⚠ interrupted by SIGTERM: 1 test file\(s\) did not finish; what they did not run is reported as skipped, and the run fails$/m);
  assert.match(r.stdout, /^ {2}test\/hold_h\.test\.ts › hold_h > holdHTests > holds h: interrupted while it ran \(SIGTERM\)$/m);
  assert.equal(last(r.stdout), '1 passed, 0 failed, 1 skipped');
  const xml = readFileSync(join(dir, '_build', 'test', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuites name="otp test" tests="2" failures="0" errors="0" skipped="1"/);
  assert.match(xml, /<skipped message="interrupted while it ran \(SIGTERM\)"\/>/);
  await waitFor('no process left in the project', () => leftovers().length === 0 || undefined, { ms: 30_000 }).catch(() => assert.deepEqual(leftovers(), []));
});

test('SIGINT mid-run with --cover: the coverage child is stopped too, with its report, exit 130 and no coverage claimed', async () => {
  const r = await interrupt('SIGINT', ['test/hold_h.test.ts', '--cover']);
  assert.equal(r.code, 130, r.stdout + r.stderr);
  assert.match(r.stderr, /^otp: SIGINT: stopping the tests and reporting what ran/m);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled 'error' event/);
  assert.match(r.stdout, /^⚠ interrupted by SIGINT: 1 test file\(s\) did not finish/m);
  assert.doesNotMatch(r.stdout, /% Stmts/, 'no coverage table for a run that did not finish');
  assert.equal(last(r.stdout), '1 passed, 0 failed, 1 skipped');
  await waitFor('no process left in the project', () => leftovers().length === 0 || undefined, { ms: 30_000 }).catch(() => assert.deepEqual(leftovers(), []));
});

test('the child process running the tests under --cover killed by SIGKILL (the out-of-memory killer): exit 137 with one line saying so, never silence', async () => {
  if (!existsSync('/proc/self/stat')) return;
  const r = await interrupt('SIGKILL', ['test/hold_h.test.ts', '--cover'], { toChild: true });
  assert.equal(r.code, 137, r.stdout + r.stderr);
  assert.match(r.stderr, /^otp: the tests' process \(--cover runs them in a child process\) was killed by SIGKILL before the run ended \(out of memory\?\): no report and no coverage; run otp test without --cover to see the results$/m);
  assert.doesNotMatch(r.stdout, /% Stmts|passed, \d+ failed/, 'no coverage and no closing line claimed');
  await waitFor('no process left in the project', () => leftovers().length === 0 || undefined, { ms: 30_000 }).catch(() => assert.deepEqual(leftovers(), []));
});
