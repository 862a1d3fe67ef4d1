// `npm test`: build, type-check, lint, then every package's unit tests and the end-to-end tests.
// The last line is always the totals: `N passed, N failed` (`, N skipped` when any were skipped).
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

function step(name, command, commandArgs) {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  const r = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  const ok = r.status === 0;
  console.log(`${ok ? '✔' : '✖'} ${name} (${Date.now() - started} ms)`);
  if (ok) passed++;
  else failed++;
  return ok;
}

function testFiles() {
  if (args.length > 0) return args;
  const files = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'fixtures') walk(p);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) files.push(p.slice(root.length + 1));
    }
  };
  for (const pkg of readdirSync(join(root, 'packages'))) walk(join(root, 'packages', pkg, 'test'));
  walk(join(root, 'test'));
  return files.sort();
}

const node = process.execPath;
const bin = (name) => join(root, 'node_modules', '.bin', name);
if (args.length === 0) {
  step('build', node, [join(root, 'scripts', 'build.mjs'), '--quiet']);
  step('typecheck (tsc --noEmit)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  step('lint (eslint)', bin('eslint'), ['--max-warnings', '0', '.']);
}

const work = mkdtempSync(join(tmpdir(), 'otp-ts-test-'));
const summary = join(work, 'summary.json');
console.log('\n▶ tests');
const r = spawnSync(
  node,
  [
    '--enable-source-maps',
    '--import',
    './scripts/register-ts.mjs',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=./scripts/test-reporter.mjs',
    '--test-reporter-destination=stdout',
    ...testFiles(),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, OTP_TEST_SUMMARY: summary } },
);
if (existsSync(summary)) {
  const counts = JSON.parse(readFileSync(summary, 'utf8'));
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped;
} else {
  console.log(`✖ the test run ended (exit ${r.status ?? r.signal}) without reporting its totals`);
  failed++;
}
rmSync(work, { recursive: true, force: true });
if (r.status !== 0 && failed === 0) failed++;
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
