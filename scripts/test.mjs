// `npm test`: build, type-check, lint, then every package's unit tests and the end-to-end tests.
// The last line is always the totals: `N passed, N failed` (`, N skipped` when any were skipped).
// The runtime's own tests (packages/runtime/test, written with node:test) run under @otp-ts/test-runner, so the
// tool tests itself; every other file runs under node:test with scripts/test-reporter.mjs. Files named on the
// command line (`npm test -- some/file.test.ts`, or a folder: its test files) all run under node:test, which needs no build first;
// a path that names nothing to run exits 2.
// The two runs overlap (many tests mostly wait on timers and sockets); the runner's lines are printed after node:test's.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, existsSync, readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';
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

/** Runs the steps at once, each with its output held, then prints them in order as `step` would. */
async function stepsSideBySide(steps) {
  const started = Date.now();
  const runs = steps.map(([, command, commandArgs]) => {
    let output = '';
    return new Promise((resolve) => {
      const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('error', (error) => resolve({ status: null, output: `${output}${error.message}\n`, ms: Date.now() - started }));
      child.on('close', (status) => resolve({ status, output, ms: Date.now() - started }));
    });
  });
  for (const [i, r] of (await Promise.all(runs)).entries()) {
    const name = steps[i][0];
    console.log(`\n▶ ${name}`);
    if (r.output) process.stdout.write(r.output);
    console.log(`${r.status === 0 ? '✔' : '✖'} ${name} (${r.ms} ms)`);
    if (r.status === 0) passed++;
    else failed++;
  }
}

function testFiles() {
  const files = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'fixtures') walk(p);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) files.push(relative(root, p));
    }
  };
  if (args.length > 0) {
    // A folder named runs the test files under it (node:test given a folder ran none and reported 0 failed): a run
    // that names nothing it can run fails, rather than reading green.
    for (const arg of args) {
      const path = resolve(root, arg);
      if (!existsSync(path)) usage(`${arg} does not exist: name test files or folders of this repository (npm test -- packages/runtime/test)`);
      if (!statSync(path).isDirectory()) {
        files.push(arg);
        continue;
      }
      const before = files.length;
      walk(path);
      if (files.length === before) usage(`${arg} holds no test file (*.test.ts): name a folder with tests, or the files themselves`);
    }
    return [...new Set(files)];
  }
  for (const pkg of readdirSync(join(root, 'packages'))) walk(join(root, 'packages', pkg, 'test'));
  walk(join(root, 'test'));
  return files.sort();
}

function usage(line) {
  console.error(`npm test: ${line}`);
  process.exit(2);
}

const node = process.execPath;
const bin = (name) => join(root, 'node_modules', '.bin', name);
if (args.length === 0) {
  step('build', node, [join(root, 'scripts', 'build.mjs'), '--quiet']);
  // Both only read the sources and each keeps one core busy: side by side they take the time of the longer.
  await stepsSideBySide([
    ['typecheck (tsc --noEmit)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
    ['lint (eslint)', bin('eslint'), ['--max-warnings', '0', '.']],
  ]);
}

const files = testFiles();
const runnerDir = join('packages', 'runtime', 'test', '');
const viaRunner = args.length === 0 ? files.filter((f) => f.startsWith(runnerDir)) : [];
const viaNodeTest = files.filter((f) => !viaRunner.includes(f));
const runner = viaRunner.length > 0 ? runnerTests(viaRunner) : Promise.resolve('');
if (viaNodeTest.length > 0) await nodeTests(viaNodeTest);
process.stdout.write(await runner);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;

/** Runs `paths` with the built @otp-ts/test-runner (its node:test support), adds its counts and resolves with what it printed. */
async function runnerTests(paths) {
  let out = '\n▶ tests (otp test: packages/runtime)\n';
  const started = Date.now();
  try {
    const { runTests } = await import('@otp-ts/test-runner');
    const { runnerReporter } = await import('./test-reporter.mjs');
    // The tests start peer nodes from TypeScript fixtures with process.execArgv: the workers need the loader too.
    // One file at a time: node:test already keeps both cores busy alongside.
    const result = await runTests({ root, paths, jobs: 1, reporters: [runnerReporter((text) => (out += text))], workerExecArgv: ['--import', './scripts/register-ts.mjs'] });
    passed += result.counts.passed;
    failed += result.counts.failed;
    skipped += result.counts.skipped;
  } catch (error) {
    out += `✖ otp test could not run (is the build up to date?): ${error?.stack ?? error}\n`;
    failed++;
  }
  return `${out}(${Date.now() - started} ms)\n`;
}

/** Runs `paths` under node:test with scripts/test-reporter.mjs and adds its counts. */
async function nodeTests(paths) {
  const work = mkdtempSync(join(tmpdir(), 'otp-ts-test-'));
  const summary = join(work, 'summary.json');
  console.log('\n▶ tests (node:test)');
  const r = await run(
    node,
    [
      '--enable-source-maps',
      '--import',
      './scripts/register-ts.mjs',
      '--test',
      '--test-concurrency=2',
      '--test-reporter=./scripts/test-reporter.mjs',
      '--test-reporter-destination=stdout',
      ...paths,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, OTP_TEST_SUMMARY: summary } },
  );
  const before = failed;
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
  if (r.status !== 0 && failed === before) failed++;
}

// spawnSync without blocking the event loop, so the runner's run goes on meanwhile.
function run(command, commandArgs, options) {
  return new Promise((resolve) => {
    spawn(command, commandArgs, options)
      .on('error', (error) => resolve({ status: null, signal: error.message }))
      .on('close', (status, signal) => resolve({ status, signal }));
  });
}
