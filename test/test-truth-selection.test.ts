// End to end through the built binary on test/fixtures/truth-b, a project with known outcomes, run as a CI
// team would: --rerun-failed by name, empty selections, property replays and Common Test's auto-skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');

/** A fresh copy of the fixture, removed after `body`. */
function withProject(body: (dir: string) => void): void {
  const dir = tempProject('otp-truth-b-', {}, join(repo, 'test', 'fixtures', 'truth-b'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const otpIn = (dir: string) => (...args: string[]) => spawnSync(process.execPath, [bin, 'test', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
const last = (s: string): string => s.trimEnd().split('\n').at(-1)!;
const failures = (s: string): string[] => [...s.matchAll(/^✖ (\S+ › .+)$/gm)].map((m) => m[1]!).sort();

/** Edits a file and checks the edit applied. */
function edit(file: string, from: string | RegExp, to: string): void {
  const before = readFileSync(file, 'utf8');
  const after = before.replace(from, to);
  assert.notEqual(after, before, `the edit of ${file} applied`);
  writeFileSync(file, after);
}

const FAILED = [
  'test/cart.test.ts › cart > brokenTest',
  'test/cart.test.ts › cart > cartTests > db > adds',
  'test/cart.test.ts › cart > cartTests > totals',
  'test/shop.suite.ts › shop > checkout > pays',
  'test/shop.suite.ts › shop > refunds',
];

test('--rerun-failed reruns exactly the last failures after tests were added above them, with --shard and --case too', () => withProject((dir) => {
  const otp = otpIn(dir);
  const first = otp('test/cart.test.ts', 'test/shop.suite.ts');
  assert.equal(first.status, 1);
  assert.equal(last(first.stdout), '4 passed, 5 failed');
  assert.deepEqual(failures(first.stdout), FAILED);

  edit(join(dir, 'test', 'cart.test.ts'), "from '@otp-ts/test-runner/assert';\n", "from '@otp-ts/test-runner/assert';\n\nexport function aNewTest(): void {}\n");
  edit(join(dir, 'test', 'shop.suite.ts'), "all = () => ['refunds'", "all = () => ['fresh', 'refunds'");
  edit(join(dir, 'test', 'shop.suite.ts'), 'export function ships', 'export function fresh(): void {}\n\nexport function ships');

  const rerun = otp('--rerun-failed');
  assert.equal(last(rerun.stdout), '0 passed, 5 failed', rerun.stdout);
  assert.deepEqual(failures(rerun.stdout), FAILED);
  // Each shard reruns the failures of its own files; running one shard keeps the other's failures stored.
  const shard1 = otp('--rerun-failed', '--shard', '1/2');
  assert.equal(last(shard1.stdout), '0 passed, 3 failed', shard1.stdout);
  const shard2 = otp('--rerun-failed', '--shard', '2/2');
  assert.equal(last(shard2.stdout), '0 passed, 2 failed', shard2.stdout);
  assert.deepEqual(failures(shard1.stdout + shard2.stdout), FAILED);
  const one = otp('--rerun-failed', '--case', 'totals');
  assert.equal(last(one.stdout), '0 passed, 1 failed', one.stdout);
  assert.deepEqual(failures(one.stdout), ['test/cart.test.ts › cart > cartTests > totals']);
  assert.deepEqual(failures(otp('--rerun-failed').stdout), FAILED, 'a filtered rerun forgets none of the other failures');
}));

test('--rerun-failed reports a failed case that no longer exists', () => withProject((dir) => {
  const otp = otpIn(dir);
  assert.equal(last(otp('test/cart.test.ts').stdout), '3 passed, 3 failed');
  edit(join(dir, 'test', 'cart.test.ts'), /export function brokenTest\(\): void \{\n.*\n\}\n/, '');
  const rerun = otp('--rerun-failed');
  assert.equal(rerun.status, 1);
  assert.equal(last(rerun.stdout), '0 passed, 2 failed, 1 skipped', rerun.stdout);
  assert.match(rerun.stdout, /^ {2}test\/cart\.test\.ts › cart > brokenTest: failed in the last run and no longer exists \(renamed or removed\)$/m);
}));

test('a filtered run compiles and runs only the files that can hold the selected cases', () => withProject((dir) => {
  const run = otpIn(dir)('--case', 'totals');
  assert.equal(run.status, 1);
  assert.match(run.stdout, /^running 1 test file\(s\)( |$)/m);
  assert.equal(last(run.stdout), '0 passed, 1 failed');
  assert.deepEqual(readdirSync(join(dir, '_build', 'test', 'bundles', 'test')).filter((f) => f.endsWith('.mjs')), ['cart.test.mjs']);
}));

test('a filter that matches nothing fails with one line naming it and the closest names', () => withProject((dir) => {
  const run = otpIn(dir)('--case', 'addTset');
  assert.equal(run.status, 1);
  assert.equal(run.stderr, 'otp: --case addTset matched no test; closest: addTest\n');
  assert.equal(last(run.stdout), '0 passed, 0 failed');
  const suite = otpIn(dir)('--suite', 'carts');
  assert.equal(suite.status, 1);
  assert.equal(suite.stderr, 'otp: --suite carts matched no test; closest: cart\n');
}));

test("the closest names an empty --case selection suggests are cases, never a suite's callbacks (all, groups, initPerGroup, …)", () => withProject((dir) => {
  for (const wanted of ['all', 'initPerGroup', 'nothingLikeIt']) {
    const run = otpIn(dir)('--case', wanted);
    assert.equal(run.status, 1, run.stderr);
    const near = /^otp: --case \S+ matched no test; closest: (.+)\n$/.exec(run.stderr);
    assert.ok(near, run.stderr);
    for (const name of near[1]!.split(', ')) assert.ok(!['all', 'groups', 'initPerGroup', 'endPerGroup'].includes(name), `--case ${wanted} suggested ${name}: ${run.stderr}`);
  }
}));

test('in a folder of the project, a test path names a file from there; one from the root works there too', () => withProject((dir) => {
  // A seed and run count under which propRare fails (at run 138): without them its failure is likely, not certain.
  const seeded = ['--seed', '4', '--numtests', '200'];
  const fromRoot = otpIn(dir)('test/lists.test.ts', ...seeded);
  assert.equal(last(fromRoot.stdout), '0 passed, 1 failed', fromRoot.stderr);
  const inTest = spawnSync(process.execPath, [bin, 'test', 'lists.test.ts', ...seeded], { cwd: join(dir, 'test'), encoding: 'utf8', timeout: 120_000 });
  assert.equal(last(inTest.stdout), last(fromRoot.stdout), inTest.stderr);
  // A replay command as a run prints it (from the root) still runs in a subfolder, as a path from there does.
  for (const path of ['test/lists.test.ts', '../test/lists.test.ts']) {
    const inEmpty = spawnSync(process.execPath, [bin, 'test', path, ...seeded], { cwd: join(dir, 'empty'), encoding: 'utf8', timeout: 120_000 });
    assert.equal(last(inEmpty.stdout), last(fromRoot.stdout), `${path}: ${inEmpty.stderr}`);
  }
}));

test('an empty test folder fails unless --pass-with-no-tests or test.passWithNoTests allows it', () => withProject((dir) => {
  const otp = otpIn(dir);
  const empty = otp('empty');
  assert.equal(empty.status, 1);
  assert.equal(empty.stderr, 'otp: empty holds no test file (*.test.ts or *.suite.ts) (--pass-with-no-tests allows an empty run)\n');
  const allowed = otp('empty', '--pass-with-no-tests');
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.equal(last(allowed.stdout), '0 passed, 0 failed');
  writeFileSync(join(dir, 'otp.config.ts'), 'export default { test: { passWithNoTests: true } };\n');
  assert.equal(otp('empty').status, 0);
}));

test('a property failing past run 100 replays with the printed command, and stays stored until it passes under its run count', () => withProject((dir) => {
  const otp = otpIn(dir);
  const store = (): unknown => JSON.parse(readFileSync(join(dir, '_build', 'test', 'counterexamples.json'), 'utf8'));
  const stored = { 'test/lists.test.ts': { 'lists > propRare': [{ seed: 4, numRuns: 200 }] } };
  const found = otp('test/lists.test.ts', '--seed', '4', '--numtests', '200');
  assert.equal(found.status, 1);
  assert.match(found.stdout, /property failed after 138 run\(s\)/);
  const replay = /replay: otp test (.+)$/m.exec(found.stdout)?.[1];
  assert.equal(replay, 'test/lists.test.ts --case propRare --seed 4 --numtests 200 --path 137');
  assert.deepEqual(store(), stored);

  const again = otp(...replay.split(' '));
  assert.equal(again.status, 1, 'the printed replay command reproduces the failure');
  assert.match(again.stdout, /counterexample: 901337/);
  assert.deepEqual(store(), stored);
  // 100 runs of another seed pass, but the stored counterexample is checked with its own 200 runs: it still fails.
  const fewer = otp('test/lists.test.ts', '--seed', '1', '--numtests', '100');
  assert.equal(fewer.status, 1);
  assert.match(fewer.stdout, /a stored counterexample still fails/);
  assert.deepEqual(store(), stored);

  edit(join(dir, 'test', 'lists.test.ts'), 'n % 97 !== 13', 'n >= 0');
  assert.equal(last(otp('test/lists.test.ts', '--seed', '1').stdout), '1 passed, 0 failed');
  assert.deepEqual(store(), {}, 'retired once it passed under the run count it failed with');
}));

test("a failing initPerGroup skips the group's cases with its error, in tty, JUnit, JSON and HTML, and its endPerGroup does not run", () => withProject((dir) => {
  const otp = otpIn(dir);
  const reason = 'initPerGroup(db) failed: Error: database down';
  const tty = otp('test/init.suite.ts');
  assert.equal(tty.status, 1, 'auto-skipped cases fail the run, as in ct_run');
  // The failed init is a failed configuration function: counted as failed, so the closing line shows the run failed.
  assert.equal(last(tty.stdout), '2 passed, 1 failed, 2 skipped');
  assert.match(tty.stdout, new RegExp(`^ {2}test/init\\.suite\\.ts › init > db > reads: ${reason.replace(/[()]/g, '\\$&')}$`, 'm'));
  assert.match(tty.stdout, /^✖ test\/init\.suite\.ts › init > db > initPerGroup\(db\) failed\n {4}initPerGroup\(db\) failed:\n {4}its 2 case\(s\) were auto-skipped: Error: database down/m);
  assert.equal(existsSync(join(dir, 'end-db-ran')), false, 'the end function of a group whose init failed does not run');
  const html = readFileSync(join(dir, '_build', 'test', 'logs', 'last', 'test_init.suite.ts', 'db.reads.html'), 'utf8');
  assert.match(html, new RegExp(`skipped: ${reason.replace(/[()]/g, '\\$&')}`));

  assert.equal(otp('test/init.suite.ts', '--reporter', 'junit').status, 1);
  const junit = readFileSync(join(dir, '_build', 'test', 'junit.xml'), 'utf8');
  // Auto-skipped cases fail the run, so the report holds them as errors: a CI reading it shows the run red.
  assert.match(junit, /<testsuites name="otp test" tests="5" failures="1" errors="2" skipped="0"/);
  assert.equal([...junit.matchAll(new RegExp(`<error message="${reason.replace(/[()]/g, '\\$&')}" type="auto_skip"/>`, 'g'))].length, 2);

  assert.equal(otp('test/init.suite.ts', '--reporter', 'json').status, 1);
  const json = JSON.parse(readFileSync(join(dir, '_build', 'test', 'results.json'), 'utf8')) as { ok: boolean; counts: object; files: Array<{ cases: Array<{ name: string; status: string; skipReason?: string }> }> };
  assert.equal(json.ok, false);
  assert.deepEqual(json.counts, { passed: 2, failed: 1, skipped: 2, total: 5 });
  assert.deepEqual(json.files[0]!.cases.map((c) => [c.name, c.status, c.skipReason]), [['first', 'passed', undefined], ['initPerGroup(db) failed', 'failed', undefined], ['reads', 'skipped', reason], ['writes', 'skipped', reason], ['last', 'passed', undefined]]);
}));

test('a CI job that always passes --rerun-failed or --shard is green on a green project: nothing to rerun, an empty shard', () => withProject((dir) => {
  const otp = otpIn(dir);
  for (const f of ['lists.test.ts', 'cart.test.ts', 'shop.suite.ts', 'init.suite.ts']) rmSync(join(dir, 'test', f));
  writeFileSync(join(dir, 'test', 'green.test.ts'), 'export function greenTest() {}\n');
  const before = otp('--rerun-failed');
  assert.equal(before.status, 1, 'no earlier run: nothing proves the tests pass');
  assert.match(before.stderr, /^otp: --rerun-failed selected no test: no earlier run stored its failures/);
  assert.equal(otp().status, 0);
  const rerun = otp('--rerun-failed');
  assert.equal(rerun.status, 0, rerun.stdout + rerun.stderr);
  assert.deepEqual(rerun.stdout.trimEnd().split('\n').slice(-3), ['no test ran: --rerun-failed has nothing to rerun: the last run stored no failure', '', '0 passed, 0 failed']);
  const shard = otp('--shard', '3/3');
  assert.equal(shard.status, 0, shard.stdout + shard.stderr);
  assert.match(shard.stdout, /^no test ran: --shard 3\/3 holds no test file: the only test file is in another shard$/m);
}));
