// End to end through the built binary: --rerun-failed with two tests of one file sharing a name, one failing. The
// rerun runs the failing twin alone (by its id), not the passing one again counted as a pass; a store written
// before ids were kept (names only) still reruns, both twins, and is rewritten with the id.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
// Outcomes: the first `dup` fails while the file `broken` exists; the second `dup` passes and appends a line to `ran`.
const twins = `import { test } from 'node:test';
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
const marker = (name: string) => join(process.env.OTP_TEST_ROOT!, name);
test('dup', () => {
  if (existsSync(marker('broken'))) throw new Error('the failing twin');
});
test('dup', () => {
  appendFileSync(marker('ran'), 'x');
});
test('other', () => {});
`;
const dir = scratchProject('reruntwins', { 'test/twins.test.ts': twins });
after(() => rmSync(dir, { recursive: true, force: true }));

const otpTest = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, 'test', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { ...r, totals: r.stdout.trimEnd().split('\n').at(-1) ?? '', all: `otp test ${args.join(' ')}:\n${r.stdout}${r.stderr}` };
};
const storePath = join(dir, '_build', 'test', 'failed.json');
const stored = (): unknown => JSON.parse(readFileSync(storePath, 'utf8'));
// How many times the passing twin ran so far.
const passingRuns = (): number => readFileSync(join(dir, 'ran'), 'utf8').length;

test('a rerun of one failing twin runs it alone: the passing twin neither runs nor counts', () => {
  writeFileSync(join(dir, 'broken'), '');
  const first = otpTest();
  assert.equal(first.status, 1, first.all);
  assert.match(first.totals, /^2 passed, 1 failed/, first.all);
  assert.deepEqual(stored(), { 'test/twins.test.ts': [{ name: 'twins > dup', id: '0' }] });
  const r = otpTest('--rerun-failed');
  assert.equal(r.status, 1, r.all);
  assert.match(r.totals, /^0 passed, 1 failed/, r.all);
  assert.equal(passingRuns(), 1, 'the passing twin ran again');
  assert.deepEqual(stored(), { 'test/twins.test.ts': [{ name: 'twins > dup', id: '0' }] });
});

test('a store of names only (an older run) still reruns the name, both twins, and then keeps the failing one by id', () => {
  writeFileSync(storePath, JSON.stringify({ 'test/twins.test.ts': ['twins > dup'] }));
  const r = otpTest('--rerun-failed');
  assert.equal(r.status, 1, r.all);
  assert.match(r.totals, /^1 passed, 1 failed/, r.all);
  assert.deepEqual(stored(), { 'test/twins.test.ts': [{ name: 'twins > dup', id: '0' }] });
});

test('once the failing twin passes, its rerun passes and empties the store', () => {
  unlinkSync(join(dir, 'broken'));
  const before = passingRuns();
  const r = otpTest('--rerun-failed');
  assert.equal(r.status, 0, r.all);
  assert.match(r.totals, /^1 passed/, r.all);
  assert.equal(passingRuns(), before);
  assert.deepEqual(stored(), {});
});
