// End to end through the built binary on a fixture project with known outcomes: the counts, the exit code and every
// reporter agree, whatever a test file leaves behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const dir = tempProject('otp-truth-xd-', {}, join(repo, 'test', 'fixtures', 'truth-xd'));

const otp = (...args: string[]) => spawnSync(process.execPath, [bin, 'test', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
const last = (s: string): string => s.trimEnd().split('\n').at(-1)!;
const json = (): { counts: { passed: number; failed: number } } => JSON.parse(readFileSync(join(dir, '_build', 'test', 'results.json'), 'utf8'));
const junit = (): string => readFileSync(join(dir, '_build', 'test', 'junit.xml'), 'utf8');

test('a timer module code armed, throwing after the file\'s last test, fails that file in every reporter', () => {
  const r = otp('test/module-timer.test.ts', '--reporter', 'tty,junit,json');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /✖ test\/module-timer\.test\.ts › unhandled error after the last test\n[\s\S]*uncaught exception: Error: module timer boom/);
  assert.equal(last(r.stdout), '1 passed, 1 failed');
  assert.deepEqual([json().counts.passed, json().counts.failed], [1, 1]);
  assert.match(junit(), /<testsuites[^>]* tests="2" failures="1"/);
});

test('a timer module code armed far after the last test is named in a warning, not silently dropped', () => {
  const r = otp('test/far-timer.test.ts');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /⚠ test\/far-timer\.test\.ts: test\/far-timer\.test\.ts left 1 timer\(s\) pending after its last test, due in \d+ ms or later: not waited for/);
  assert.equal(last(r.stdout), '1 passed, 0 failed');
});

// Runs `otp test ARGS` and waits (60 s at most) until its stdout matches `ready`, then creates _build/go, which
// cover/b-gated.test.ts waits for; resolves with what the run printed and its exit code (or its output so far).
function gatedRun(args: string[], ready: RegExp, stopAfter?: RegExp): Promise<{ status: number | null; stdout: string; sawReady: boolean }> {
  rmSync(join(dir, '_build', 'go'), { force: true });
  const child = spawn(process.execPath, [bin, 'test', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let sawReady = false;
  // SIGINT, which otp hands on to its coverage child: a SIGKILL would leave that child (and a --watch) running.
  const giveUp = setTimeout(() => child.kill('SIGINT'), 60_000);
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (!sawReady && ready.test(stdout)) {
      sawReady = true;
      mkdirSync(join(dir, '_build'), { recursive: true });
      writeFileSync(join(dir, '_build', 'go'), '');
    }
    if (stopAfter?.test(stdout)) child.kill('SIGINT');
  });
  return new Promise((resolve) => child.on('close', (status) => {
    clearTimeout(giveUp);
    resolve({ status, stdout, sawReady });
  }));
}

test('otp test --cover streams each file\'s line while the run goes on, and still ends with the table then the closing line', async () => {
  const r = await gatedRun(['cover', '--cover', '--jobs', '1'], /✔ cover\/a-first\.test\.ts/);
  assert.ok(r.sawReady, `nothing was printed while the tests ran:\n${r.stdout}`);
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /✔ cover\/b-gated\.test\.ts[\s\S]*math\.ts\s+\|\s+100 \|[\s\S]*other\.ts\s+\|\s+100 \|[\s\S]*\n\n2 passed, 0 failed\n$/);
});

test('otp test --cover --watch prints its first run and closing line while it watches', async () => {
  const r = await gatedRun(['cover', '--cover', '--watch', '--jobs', '1'], /✔ cover\/a-first\.test\.ts/, /^2 passed, 0 failed$/m);
  assert.ok(r.sawReady, `nothing was printed while the tests ran:\n${r.stdout}`);
  assert.match(r.stdout, /^2 passed, 0 failed$/m);
});

test('otp test --cover --shard K/N writes each shard\'s report to a folder of its own: no shard overwrites another\'s', () => {
  mkdirSync(join(dir, '_build'), { recursive: true });
  writeFileSync(join(dir, '_build', 'go'), '');
  const one = otp('cover', '--cover', '--shard', '1/2');
  const two = otp('cover', '--cover', '--shard', '2/2');
  assert.equal(one.status, 0, one.stdout + one.stderr);
  assert.equal(two.status, 0, two.stdout + two.stderr);
  const lcov = (k: number): string => readFileSync(join(dir, '_build', 'test', 'coverage', `shard-${k}-of-2`, 'lcov.info'), 'utf8');
  const mathHits = (k: number): string | undefined => lcov(k).split('end_of_record').find((r) => r.includes('SF:src/math.ts\n'))?.match(/^LH:(\d+)$/m)?.[1];
  // Shard 1 runs cover/a-first.test.ts, which loads src/math.ts; shard 2 runs cover/b-gated.test.ts, which does not.
  assert.equal(mathHits(1), '2');
  assert.equal(mathHits(2), '0');
});
