// End to end through the built binary: what `otp test --cover` reports is the truth of a project whose coverage is
// known: src/full.ts fully run, src/part.ts partly (types and blank lines shift its compiled lines), src/untested.ts
// loaded by no test. The figures, the uncovered TypeScript lines and lcov.info agree wherever the command runs from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const dir = scratchProject('cover', {
  'src/full.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
  // 24 lines; a test runs the circle branch only: lines 16-20 (the square branch, its blank and comment lines) and 23-24 are not run.
  'src/part.ts': [
    '// line 1', "import type { Pid } from '@otp-ts/runtime';", '', 'export interface Shape {', "  kind: 'circle' | 'square';", '',
    '  size: number;', '}', '', 'type Unused = Pid | string;', '', 'export function area(s: Shape): number {',
    "  if (s.kind === 'circle') {", '    return 3 * s.size * s.size;', '  }', '', '  // square never tested',
    '  const side: number = s.size;', '  return side * side;', '}', '', 'export function never(x: Unused): string {',
    '  return String(x);', '}', '',
  ].join('\n'),
  'src/untested.ts': 'export interface Foo { a: number }\n\nexport function lonely(n: number): number {\n  const m: number = n * 2;\n  return m + 1;\n}\n',
  'test/full.test.ts': "import { add } from '../src/full';\nexport function addTest(): void { if (add(1, 2) !== 3) throw new Error('bad'); }\n",
  'test/part.test.ts': "import { area } from '../src/part';\nexport function areaTest(): void { if (area({ kind: 'circle', size: 1 }) !== 3) throw new Error('bad'); }\n",
});

const otp = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [bin, 'test', ...args], { cwd, encoding: 'utf8', timeout: 120_000 });

/** The lcov.info records as file → { LF, LH }. */
function lcovLines(): Record<string, { LF: number; LH: number }> {
  const out: Record<string, { LF: number; LH: number }> = {};
  let file = '';
  for (const line of readFileSync(join(dir, '_build', 'test', 'coverage', 'lcov.info'), 'utf8').split('\n')) {
    if (line.startsWith('SF:')) out[(file = line.slice(3))] = { LF: 0, LH: 0 };
    if (line.startsWith('LF:')) out[file]!.LF = Number(line.slice(3));
    if (line.startsWith('LH:')) out[file]!.LH = Number(line.slice(3));
  }
  return out;
}

const expectedLcov = { 'src/full.ts': { LF: 3, LH: 3 }, 'src/part.ts': { LF: 24, LH: 17 }, 'src/untested.ts': { LF: 6, LH: 0 } };

test('--cover run from a folder of the project (test/) measures the same sources as from its root, and lcov.info names them from the root', () => {
  for (const cwd of [dir, join(dir, 'test')]) {
    const r = otp(cwd, '--cover');
    assert.equal(r.status, 0, `from ${cwd}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /All files\s+\|\s+60\.6 \|\s+50 \|\s+50 \|\s+60\.6 \|/, `from ${cwd}`);
    assert.match(r.stdout, /^ part\.ts\s+\|\s+70\.83 \|.*\| 16-20,23-24\s*$/m, `from ${cwd}: the TypeScript lines`);
    assert.match(r.stdout, /^ untested\.ts\s+\|\s+0 \|.*\| 1-6\s*$/m, `from ${cwd}`);
    assert.deepEqual(lcovLines(), expectedLcov, `from ${cwd}: lcov.info agrees with the table`);
    assert.equal(r.stdout.trimEnd().split('\n').at(-1), '2 passed, 0 failed');
  }
});

test('an untested source that does not compile fails the --cover run with one line naming it, not an internal error', () => {
  writeFileSync(join(dir, 'src', 'broken.ts'), 'export function oops( {\n');
  try {
    const r = otp(dir, '--cover');
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^otp: --cover cannot count src\/broken\.ts, which no test loads, at 0 %: it does not compile \(src\/broken\.ts:2:1: Expected identifier but found end of file\); fix it, or move it out of src\/$/m);
    assert.doesNotMatch(r.stderr, /internal error|crash report/);
    assert.equal(r.stdout.trimEnd().split('\n').at(-1), '2 passed, 0 failed', 'the closing line is kept');
  } finally {
    rmSync(join(dir, 'src', 'broken.ts'));
  }
});

test('--cover with --shard lists every source in each shard, and a threshold is refused there, since a shard counts only its own tests', () => {
  const one = otp(dir, '--cover', '--shard', '1/2');
  const two = otp(dir, '--cover', '--shard', '2/2');
  for (const r of [one, two]) {
    assert.equal(r.status, 0, r.stdout + r.stderr);
    for (const f of ['full', 'part', 'untested']) assert.match(r.stdout, new RegExp(`^ ${f}\\.ts\\s+\\|`, 'm'), `${f}.ts is listed`);
  }
  const r = otp(dir, '--cover', '--shard', '1/2', '--cover-threshold', '10');
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /^otp: --cover-threshold 10 cannot be checked with --shard 1\/2: a shard's coverage counts only its own tests; check the threshold on a run without --shard$/m);
  assert.doesNotMatch(r.stdout, /passed, \d+ failed/, 'no test ran');
});
