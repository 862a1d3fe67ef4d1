// End to end through the built binary: --shard with --retry and --rerun-failed, as a CI of two machines and a
// developer rerunning its failures use them. A flaky case on one shard is reported as flaky (exit 0) and leaves the
// other shard's stored failures as they were; a rerun of one shard runs only that shard's stored failures; a rerun
// with --retry retires a failure that passes on a retry and keeps one that still fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
// Sorted, a.test.ts is shard 1 of 2 and b.test.ts shard 2. Outcomes: alwaysTest always fails; flakyTest fails once
// each time the file `armed` is written (it removes it as it fails); laterTest fails while the file `later` exists.
const a = `export function alwaysTest(): void {
  throw new Error('always fails');
}
export function fineATest(): void {}
`;
const b = `import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
const marker = (name: string) => join(process.env.OTP_TEST_ROOT!, name);
export function flakyTest(): void {
  if (!existsSync(marker('armed'))) return;
  unlinkSync(marker('armed'));
  throw new Error('fails once when armed');
}
export function laterTest(): void {
  if (existsSync(marker('later'))) throw new Error('fails while later exists');
}
export function fineBTest(): void {}
`;
const dir = scratchProject('shardrerun', { 'test/a.test.ts': a, 'test/b.test.ts': b });

const otpTest = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, 'test', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { ...r, totals: r.stdout.trimEnd().split('\n').at(-1) ?? '', all: `otp test ${args.join(' ')}:\n${r.stdout}${r.stderr}` };
};
// The stored failures, file → case names, the file named by its base name and the case by its last part.
const stored = (): Record<string, string[]> => {
  const store = JSON.parse(readFileSync(join(dir, '_build', 'test', 'failed.json'), 'utf8')) as Record<string, string[]>;
  return Object.fromEntries(Object.entries(store).map(([file, names]) => [file.split('/').at(-1)!, names.map((n) => n.split(' > ').at(-1)!).sort()]));
};
const arm = (name: string) => writeFileSync(join(dir, name), '');

test('--shard 1/2 --retry 2 fails its failing case after three attempts and stores it', () => {
  arm('armed');
  const r = otpTest('--shard', '1/2', '--retry', '2', '--reporter', 'tty,json');
  assert.equal(r.status, 1, r.all);
  assert.match(r.totals, /^1 passed, 1 failed/, r.all);
  assert.doesNotMatch(r.stdout, /flakyTest/, r.all);
  assert.ok(existsSync(join(dir, 'armed')), 'shard 1 did not run b.test.ts');
  const report = JSON.parse(readFileSync(join(dir, '_build', 'test', 'results.json'), 'utf8')) as { files: { cases: { name: string; attempts?: number }[] }[] };
  assert.equal(report.files.flatMap((f) => f.cases).find((c) => c.name === 'alwaysTest')?.attempts, 3);
  assert.deepEqual(stored(), { 'a.test.ts': ['alwaysTest'] });
});

test("--shard 2/2 --retry 2 reports a case passing on its retry as flaky, exits 0, and keeps shard 1's stored failure", () => {
  const r = otpTest('--shard', '2/2', '--retry', '2');
  assert.equal(r.status, 0, r.all);
  assert.match(r.totals, /^3 passed, 0 failed/, r.all);
  assert.match(r.stdout, /flaky/, r.all);
  assert.match(r.stdout, /passed on attempt 2 \(first failure: Error: fails once when armed\)/, r.all);
  assert.deepEqual(stored(), { 'a.test.ts': ['alwaysTest'] });
});

test("--rerun-failed --shard 2/2 runs only that shard's stored failures: one now passing is retired, shard 1's kept", () => {
  arm('later');
  const failing = otpTest('--shard', '2/2');
  assert.equal(failing.status, 1, failing.all);
  assert.deepEqual(stored(), { 'a.test.ts': ['alwaysTest'], 'b.test.ts': ['laterTest'] });
  arm('armed'); // flakyTest would fail if it ran: the rerun runs laterTest alone.
  unlinkSync(join(dir, 'later'));
  const r = otpTest('--rerun-failed', '--shard', '2/2');
  assert.equal(r.status, 0, r.all);
  assert.match(r.totals, /^1 passed, 0 failed/, r.all);
  assert.ok(existsSync(join(dir, 'armed')), 'the rerun ran flakyTest, which had not failed');
  assert.deepEqual(stored(), { 'a.test.ts': ['alwaysTest'] });
});

test('--rerun-failed --retry 2 retires a stored failure that passes on a retry and keeps one that still fails', () => {
  // flakyTest is armed: a run of shard 2 without --retry stores its failure, then it is armed again for the rerun.
  const failing = otpTest('--shard', '2/2');
  assert.equal(failing.status, 1, failing.all);
  assert.deepEqual(stored(), { 'a.test.ts': ['alwaysTest'], 'b.test.ts': ['flakyTest'] });
  arm('armed');
  const r = otpTest('--rerun-failed', '--retry', '2');
  assert.equal(r.status, 1, r.all);
  assert.match(r.totals, /^1 passed, 1 failed/, r.all);
  assert.match(r.stdout, /passed on attempt 2 \(first failure: Error: fails once when armed\)/, r.all);
  assert.doesNotMatch(r.stdout, /fineATest|fineBTest|laterTest/, r.all);
  assert.deepEqual(stored(), { 'a.test.ts': ['alwaysTest'] });
});
